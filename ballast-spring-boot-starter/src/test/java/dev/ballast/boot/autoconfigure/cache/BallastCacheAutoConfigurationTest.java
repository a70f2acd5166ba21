package dev.ballast.boot.autoconfigure.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.cache.TieredCache;
import dev.ballast.test.LogCapture;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.junit.jupiter.api.extension.RegisterExtension;
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

    /** Micrometer's log (a meter registered twice). */
    @RegisterExtension
    final LogCapture micrometer = LogCapture.of("io.micrometer");

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

    private static ApplicationContextRunner withRedis() {
        return new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(BallastRedisAutoConfiguration.class, BallastCacheAutoConfiguration.class))
                .withPropertyValues(
                        "spring.data.redis.host=127.0.0.1",
                        "spring.data.redis.port=6379",
                        "spring.data.redis.timeout=2s",
                        "ballast.cache.defaults.early-refresh-beta=0");
    }

    @Test
    void aCacheableMethodsReturnTypeGivesItsCacheTheRedisL2WithoutAValueTypeProperty() {
        // listing the cache (without value-type) creates it before the inference: it still gets its L2
        ApplicationContextRunner runner = withRedis()
                .withUserConfiguration(PriceBook.class)
                .withPropertyValues("ballast.cache.caches.inferred-prices.l1-ttl=30s");
        String symbol = "S" + UUID.randomUUID();
        runner.run(first -> runner.run(second -> {
            PriceBook one = first.getBean(PriceBook.class);
            PriceBook two = second.getBean(PriceBook.class);

            assertThat(one.quote(symbol)).isEqualTo(new PriceBook.Quote(symbol, 101));
            assertThat(two.quote(symbol))
                    .as("the second instance reads the first one's value from L2, typed")
                    .isEqualTo(new PriceBook.Quote(symbol, 101));
            assertThat(one.loads()).isEqualTo(1);
            assertThat(two.loads()).as("no loader call on the second instance").isZero();
            assertThat(two.optionalQuote(symbol)).contains(new PriceBook.Quote(symbol, 101));
            TieredCache<?, ?> cache = (TieredCache<?, ?>) second.getBean(CacheManager.class)
                    .getCache("inferred-prices")
                    .getNativeCache();
            assertThat(cache.l2Status()).isEqualTo(TieredCache.L2Status.UP);
        }));
    }

    @Test
    void cachesWhoseMethodsDisagreeOrReturnNoConcreteTypeFailStartUpInOneReportNamingEachCache() {
        withRedis().withUserConfiguration(Ambiguous.class).run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            while (!(failure instanceof dev.ballast.boot.internal.diagnostics.UnknownCacheValueTypeException)
                    && failure.getCause() != null) {
                failure = failure.getCause();
            }
            assertThat(failure)
                    .isInstanceOf(dev.ballast.boot.internal.diagnostics.UnknownCacheValueTypeException.class);
            var unknown = (dev.ballast.boot.internal.diagnostics.UnknownCacheValueTypeException) failure;
            assertThat(unknown.caches()).containsExactly("anything", "mixed");
            assertThat(unknown.getMessage())
                    .contains("cache 'mixed': its methods return different types")
                    .contains(Ambiguous.Methods.class.getName() + ".name returns java.lang.String")
                    .contains(Ambiguous.Methods.class.getName() + ".count returns java.lang.Integer")
                    .contains("cache 'anything': its method returns java.lang.Object");
            assertThat(unknown.action())
                    .contains("ballast.cache.caches.mixed.value-type=")
                    .contains("ballast.cache.caches.anything.value-type=");
        });
    }

    @Test
    void aConfiguredValueTypeWinsOverTheMethodsReturnTypes() {
        withRedis()
                .withUserConfiguration(Ambiguous.class)
                .withPropertyValues(
                        "ballast.cache.caches.mixed.value-type=java.lang.String",
                        "ballast.cache.defaults.value-type=java.lang.String")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    TieredCache<?, ?> mixed = (TieredCache<?, ?>) context.getBean(CacheManager.class)
                            .getCache("mixed")
                            .getNativeCache();
                    assertThat(mixed.l2Status()).isEqualTo(TieredCache.L2Status.UP);
                });
    }

    @Test
    void aLazyBeansCacheableMethodAlsoTellsItsCachesValueType() {
        withRedis().withUserConfiguration(LazyQuotes.class).run(context -> {
            assertThat(context).hasNotFailed();
            TieredCache<?, ?> cache = (TieredCache<?, ?>)
                    context.getBean(CacheManager.class).getCache("lazy-quotes").getNativeCache();
            assertThat(cache.l2Status()).isEqualTo(TieredCache.L2Status.UP);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class LazyQuotes {
        @Bean
        @org.springframework.context.annotation.Lazy
        Quoter lazyQuoter() {
            return new Quoter();
        }

        static class Quoter {
            @Cacheable("lazy-quotes")
            public java.math.BigDecimal quote(String symbol) {
                return java.math.BigDecimal.TEN;
            }
        }
    }

    @Test
    void withoutRedisNoValueTypeIsNeeded() {
        runner.withUserConfiguration(Ambiguous.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    /** A bean as a team writes it: the value type is only in the method's signature. */
    static class PriceBook {
        private final AtomicInteger loads = new AtomicInteger();

        record Quote(String symbol, int price) {}

        @Cacheable("inferred-prices")
        public Quote quote(String symbol) {
            loads.incrementAndGet();
            return new Quote(symbol, 101);
        }

        @Cacheable("inferred-prices")
        public java.util.Optional<Quote> optionalQuote(String symbol) {
            loads.incrementAndGet();
            return java.util.Optional.of(new Quote(symbol, 999));
        }

        /** How often a quote was really loaded (through the proxy: its fields are the target's). */
        public int loads() {
            return loads.get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Ambiguous {
        @Bean
        Methods ambiguousMethods() {
            return new Methods();
        }

        static class Methods {
            @Cacheable("mixed")
            public String name(String id) {
                return id;
            }

            @Cacheable("mixed")
            public Integer count(String id) {
                return id.length();
            }

            @Cacheable("anything")
            public Object anything(String id) {
                return id;
            }
        }
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

    /**
     * Found by a black-box try: Boot binds its cache meters to the caches a manager has when its registrar starts, and
     * a Ballast cache is made when a {@code @Cacheable} method first runs, so {@code cache.gets} never appeared.
     */
    @Test
    void bootsCacheMetersCountACacheMadeOnFirstUseAfterStartUp() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastCacheAutoConfiguration.class,
                        org.springframework.boot.cache.autoconfigure.metrics.CacheMetricsAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withUserConfiguration(Lazy.Config.class)
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.find("cache.gets")
                                    .tag("cache", "made-later")
                                    .meters())
                            .isEmpty();
                    Lazy lazy = context.getBean(Lazy.class);
                    lazy.price("005930");
                    lazy.price("005930");

                    assertThat(registry.get("cache.gets")
                                    .tags("cache", "made-later", "result", "hit", "cache.manager", "cacheManager")
                                    .functionCounter()
                                    .count())
                            .isEqualTo(1);
                    assertThat(registry.get("cache.gets")
                                    .tags("cache", "made-later", "result", "miss")
                                    .functionCounter()
                                    .count())
                            .isEqualTo(1);
                });
    }

    /**
     * Found by a black-box try: a cache listed in {@code ballast.cache.caches} exists when Boot's registrar binds the
     * manager's caches, and binding it again for "later" caches made Micrometer warn that its meters were already
     * registered.
     */
    @Test
    void aConfiguredCacheGetsBootsCacheMetersOnceWithoutAWarning() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastCacheAutoConfiguration.class,
                        org.springframework.boot.cache.autoconfigure.metrics.CacheMetricsAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withUserConfiguration(Lazy.Config.class)
                .withPropertyValues("ballast.cache.caches.prices.l1-ttl=5s")
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    context.getBean(CacheManager.class).getCache("prices").get("005930");

                    assertThat(registry.get("cache.gets")
                                    .tags("cache", "prices", "result", "miss", "cache.manager", "cacheManager")
                                    .functionCounter()
                                    .count())
                            .isEqualTo(1);
                    context.getBean(Lazy.class).price("005930");
                    assertThat(registry.get("cache.gets")
                                    .tags("cache", "made-later", "result", "miss")
                                    .functionCounter()
                                    .count())
                            .isEqualTo(1);
                });

        // every level: Micrometer warns once per JVM, then logs the same at DEBUG
        assertThat(micrometer.events())
                .extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(message -> message.contains("already registered"));
    }

    static class Lazy {
        @Cacheable("made-later")
        public String price(String symbol) {
            return symbol + "=71200";
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Lazy lazy() {
                return new Lazy();
            }
        }
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
