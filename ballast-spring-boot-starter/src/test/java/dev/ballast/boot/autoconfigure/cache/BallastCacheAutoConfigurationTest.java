package dev.ballast.boot.autoconfigure.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class BallastCacheAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BallastCacheAutoConfiguration.class));

    @Test
    void cacheableUsesTieredCachesAndSyncIsSingleFlight() {
        runner.withUserConfiguration(Quotes.Config.class)
                .withPropertyValues("ballast.cache.caches.quotes.l1-ttl=30s")
                .run(context -> {
                    Quotes quotes = context.getBean(Quotes.class);
                    CountDownLatch start = new CountDownLatch(1);
                    try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
                        List<Future<String>> callers = new java.util.ArrayList<>();
                        for (int i = 0; i < 16; i++) {
                            callers.add(pool.submit(() -> {
                                start.await();
                                return quotes.price("005930");
                            }));
                        }
                        start.countDown();
                        Quotes.Config config = context.getBean(Quotes.Config.class);
                        Awaitility.await("the first load started")
                                .atMost(Duration.ofSeconds(5))
                                .until(() -> config.loads.get() == 1);
                        config.upstream.countDown();
                        for (Future<String> caller : callers) {
                            assertThat(caller.get(10, TimeUnit.SECONDS)).isEqualTo("71200.00");
                        }
                    }
                    assertThat(quotes.price("005930")).isEqualTo("71200.00");
                    assertThat(context.getBean(Quotes.Config.class).loads).hasValue(1);
                    assertThat(context.getBean(CacheManager.class)
                                    .getCache("quotes")
                                    .getNativeCache())
                            .isInstanceOf(TieredCache.class);
                });
    }

    @Test
    void invalidCacheSettingsFailStartUpNamingTheCache() {
        runner.withPropertyValues("ballast.cache.caches.quotes.l2-ttl=0s").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.cache.caches.quotes.l2-ttl must be positive, was 0s"));
    }

    @Test
    void springDataRedisSettingsGiveCachesWithAValueTypeASharedRedisL2() {
        String cache = "prices-" + UUID.randomUUID().toString().substring(0, 8);
        ApplicationContextRunner withRedis = new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(BallastRedisAutoConfiguration.class, BallastCacheAutoConfiguration.class))
                .withPropertyValues(
                        "spring.data.redis.host=127.0.0.1",
                        "spring.data.redis.port=6379",
                        "spring.data.redis.timeout=2s",
                        "ballast.cache.caches." + cache + ".value-type=java.lang.String",
                        "ballast.cache.caches." + cache + ".early-refresh-beta=0");
        withRedis.run(first -> withRedis.run(second -> {
            assertThat(first).hasSingleBean(RedisClient.class);
            AtomicInteger loads = new AtomicInteger();
            Cache one = first.getBean(CacheManager.class).getCache(cache);
            Cache two = second.getBean(CacheManager.class).getCache(cache);

            assertThat(one.get("005930", () -> "71200.00:" + loads.incrementAndGet()))
                    .isEqualTo("71200.00:1");
            assertThat(two.get("005930", () -> "71200.00:" + loads.incrementAndGet()))
                    .as("the other instance reads L2")
                    .isEqualTo("71200.00:1");
            one.evict("005930");
            // the invalidation reaches the other instance's L1 asynchronously, through Redis pub/sub
            Awaitility.await("the evict reached the other instance")
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> two.get("005930") == null);
            assertThat(two.get("005930", () -> "71300.00")).isEqualTo("71300.00");
        }));
    }

    @Test
    void withoutSpringDataRedisSettingsThereIsNoRedisClientAndCachesStayInTheJvm() {
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(BallastRedisAutoConfiguration.class, BallastCacheAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).doesNotHaveBean(RedisClient.class);
                    assertThat(context.getBean(CacheManager.class).getCache("quotes"))
                            .isNotNull();
                });
    }

    @Test
    void aBadRedisUrlFailsStartUpWithoutPrintingIt() {
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(BallastRedisAutoConfiguration.class, BallastCacheAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.url=http://:s3cret@127.0.0.1:6379")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("spring.data.redis.url is not a valid")
                        .satisfies(failure -> assertThat(stackTrace(failure)).doesNotContain("s3cret")));
    }

    private static String stackTrace(Throwable failure) {
        java.io.StringWriter text = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(text));
        return text.toString();
    }

    @Test
    void backsOffForTheApplicationsOwnCacheManager() {
        runner.withUserConfiguration(OwnManager.class).run(context -> assertThat(context.getBean(CacheManager.class))
                .isInstanceOf(ConcurrentMapCacheManager.class));
    }

    static class Quotes {
        private final AtomicInteger loads;

        private final CountDownLatch upstream;

        Quotes(AtomicInteger loads, CountDownLatch upstream) {
            this.loads = loads;
            this.upstream = upstream;
        }

        /** The upstream answers once the test lets it, so the other callers arrive while the load runs. */
        @Cacheable(cacheNames = "quotes", sync = true)
        public String price(String symbol) throws InterruptedException {
            loads.incrementAndGet();
            upstream.await(10, TimeUnit.SECONDS);
            return "71200.00";
        }

        @Configuration(proxyBeanMethods = false)
        @EnableCaching
        static class Config {
            final AtomicInteger loads = new AtomicInteger();
            final CountDownLatch upstream = new CountDownLatch(1);

            @Bean
            Quotes quotes() {
                return new Quotes(loads, upstream);
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnManager {
        @Bean
        CacheManager myCacheManager() {
            return new ConcurrentMapCacheManager();
        }
    }
}
