package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.cache.TieredCache;
import java.time.Duration;
import org.junit.jupiter.api.Test;
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

    private static dev.ballast.cache.CacheSettings settings(CacheManager caches, String name) {
        return ((TieredCache<?, ?>) caches.getCache(name).getNativeCache()).settings();
    }
}
