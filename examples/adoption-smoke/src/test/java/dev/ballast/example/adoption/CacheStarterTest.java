package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.cache.TieredCache;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;

/** Issue 16 item 5: shared cache defaults, and caching with the starter alone. */
class CacheStarterTest {

    @Test
    void sharedDefaultsApplyToEveryCacheAndACachesOwnSettingWins() {
        Apps.runner()
                .withPropertyValues(
                        "ballast.cache.defaults.l1-ttl=42s",
                        "ballast.cache.defaults.l2-ttl=2m",
                        "ballast.cache.caches.quotes.l1-ttl=7s")
                .run(context -> {
                    CacheManager caches = context.getBean(CacheManager.class);
                    assertThat(settings(caches, "quotes").l1Ttl()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(settings(caches, "quotes").l2Ttl()).isEqualTo(Duration.ofMinutes(2));
                    assertThat(settings(caches, "unlisted").l1Ttl()).isEqualTo(Duration.ofSeconds(42));
                });
    }

    @Test
    void cacheableWorksWithoutEnableCaching() {
        Apps.runner()
                .withUserConfiguration(TradeService.class)
                .withPropertyValues("spring.datasource.url=" + Apps.inMemoryH2())
                .run(context -> {
                    TradeService trades = context.getBean(TradeService.class);
                    trades.price("005930");
                    trades.price("005930");
                    assertThat(trades.priceLookups()).isEqualTo(1);
                });
    }

    /**
     * The README's {@code @Cacheable(cacheNames = "prices", sync = true) BigDecimal price(...)} with Redis and no
     * {@code ballast.cache.caches.prices.value-type}: the value type comes from the method, so one instance's value
     * is read from the shared L2 by another, which does not call the method.
     */
    @Test
    void theReadmesPricesCacheSharesItsRedisL2BetweenInstancesWithoutAValueTypeProperty() {
        ApplicationContextRunner instance = Apps.runner()
                .withUserConfiguration(TradeService.class)
                .withPropertyValues(
                        "spring.datasource.url=" + Apps.inMemoryH2(),
                        "spring.data.redis.host=127.0.0.1",
                        "spring.data.redis.port=6379",
                        "ballast.outbox.relay.enabled=false");
        String symbol = "A" + UUID.randomUUID().toString().substring(0, 12);
        instance.run(first -> instance.withPropertyValues("spring.datasource.url=" + Apps.inMemoryH2())
                .run(second -> {
                    TradeService one = first.getBean(TradeService.class);
                    TradeService two = second.getBean(TradeService.class);
                    BigDecimal price = one.price(symbol);

                    assertThat(two.price(symbol)).isEqualByComparingTo(price);
                    assertThat(one.priceLookups()).isEqualTo(1);
                    assertThat(two.priceLookups())
                            .as("the second instance read L2 and did not call the method")
                            .isZero();
                    TieredCache<?, ?> prices = (TieredCache<?, ?>) second.getBean(CacheManager.class)
                            .getCache("prices")
                            .getNativeCache();
                    assertThat(prices.l2Status()).isEqualTo(TieredCache.L2Status.UP);
                }));
    }

    private static dev.ballast.cache.CacheSettings settings(CacheManager caches, String name) {
        return ((TieredCache<?, ?>) caches.getCache(name).getNativeCache()).settings();
    }
}
