package dev.ballast.boot.autoconfigure.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.test.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Issue 16: a cache name misspelt in {@code ballast.cache.caches.<name>} or in {@code @Cacheable} is reported at
 * start-up, naming the property as written and, when a used name is close, "did you mean". A WARN, not a failure: a
 * cache may be got by name in code or picked by a resolver, and caches are made on first use.
 */
class CacheNameMisspellingTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of(CacheNames.LOGGER);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BallastCacheAutoConfiguration.class))
            .withUserConfiguration(Prices.Config.class);

    @Test
    void aCacheableNameCloseToAConfiguredOneIsReportedWithBothNamesAndTheMethod() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(BallastCacheAutoConfiguration.class))
                .withUserConfiguration(Quotes.Config.class)
                .withPropertyValues("ballast.cache.caches.prices.l1-ttl=30s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(warning())
                            .contains("ballast.cache.caches.prices.l1-ttl is set, but no method uses a cache 'prices',"
                                    + " while cache 'price' (@Cacheable on " + Quotes.class.getName() + ".price) has"
                                    + " no settings and gets the defaults: did you mean 'price' in the configuration"
                                    + " (ballast.cache.caches.price.*), or 'prices' in the code?")
                            .contains("logging.level." + CacheNames.LOGGER + "=error");
                    assertThat(context.getBean(Quotes.class).price("005930"))
                            .as("the cache the code names still works, made on first use")
                            .isEqualTo("71200");
                });
    }

    @Test
    void aMisspeltPropertyIsReportedAsWrittenWithTheNameTheCodeUses() {
        runner.withPropertyValues("ballast.cache.caches.pricse.l1-ttl=30s", "ballast.cache.caches.pricse.version=2")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(warning())
                            .contains("ballast.cache.caches.pricse.version, ballast.cache.caches.pricse.l1-ttl is set,"
                                    + " but no method uses a cache 'pricse', while cache 'prices' (@Cacheable on "
                                    + Prices.class.getName() + ".price) has no settings and gets the defaults: did you"
                                    + " mean 'prices' in the configuration (ballast.cache.caches.prices.*), or 'pricse'"
                                    + " in the code?");
                });
    }

    @Test
    void aMisspeltDuplicateOfAConfiguredCacheNamesThatCache() {
        runner.withPropertyValues("ballast.cache.caches.prices.l1-ttl=30s", "ballast.cache.caches.prcies.l2-ttl=5m")
                .run(context -> assertThat(warning())
                        .contains("ballast.cache.caches.prcies.l2-ttl is set, but no method uses a cache 'prcies', so"
                                + " it applies to no cache: did you mean 'prices' (ballast.cache.caches.prices, which"
                                + " @Cacheable on " + Prices.class.getName() + ".price uses)?")
                        .doesNotContain("ballast.cache.caches.prices.l1-ttl"));
    }

    @Test
    void aConfiguredNameFarFromEveryUsedOneIsReportedWithoutAGuess() {
        runner.withPropertyValues("ballast.cache.caches.fx-rates.l1-ttl=30s").run(context -> assertThat(warning())
                .contains("ballast.cache.caches.fx-rates.l1-ttl is set, but no @Cacheable, @CachePut or @CacheEvict"
                        + " method uses a cache 'fx-rates', so it applies to no cache. Expected only if the code gets"
                        + " the cache by name (CacheManager.getCache(\"fx-rates\")); otherwise remove it or correct"
                        + " the name.")
                .doesNotContain("did you mean"));
    }

    @Test
    void namesUsedByCacheableOrCacheEvictAreNotReported() {
        runner.withUserConfiguration(Evictions.class)
                .withPropertyValues("ballast.cache.caches.prices.l1-ttl=30s", "ballast.cache.caches.quotes.l1-ttl=30s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(logs.eventsAtLeast(Level.WARN)).isEmpty();
                });
    }

    @Test
    void anApplicationWithoutCacheAnnotationsGetsItsCachesByNameAndIsNotWarned() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(BallastCacheAutoConfiguration.class))
                .withPropertyValues("ballast.cache.caches.fx-rates.l1-ttl=30s")
                .run(context -> {
                    assertThat(context.getBean(CacheManager.class).getCache("fx-rates"))
                            .isNotNull();
                    assertThat(logs.eventsAtLeast(Level.WARN)).isEmpty();
                });
    }

    @Test
    void namesAreCloseWhenAtMostTwoEditsApartAndNotMostOfAShortName() {
        assertThat(CacheNames.distance("pricse", "prices"))
                .as("a swap is one edit")
                .isEqualTo(1);
        assertThat(CacheNames.distance("price", "prices")).isEqualTo(1);
        assertThat(CacheNames.nearest("price", java.util.Set.of("prices", "quotes")))
                .isEqualTo("prices");
        assertThat(CacheNames.nearest("fx", java.util.Set.of("fy")))
                .as("two short caches")
                .isNull();
        assertThat(CacheNames.nearest("orders", java.util.Set.of("orders-v2"))).isNull();
    }

    /** The one report of the start, as logged. */
    private String warning() {
        List<ILoggingEvent> warnings = logs.eventsAtLeast(Level.WARN);
        assertThat(warnings).hasSize(1);
        return warnings.get(0).getFormattedMessage();
    }

    static class Prices {
        @Cacheable("prices")
        public String price(String symbol) {
            return "71200";
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Prices prices() {
                return new Prices();
            }
        }
    }

    /** The code misspells the configured name. */
    static class Quotes {
        @Cacheable("price")
        public String price(String symbol) {
            return "71200";
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Quotes quotes() {
                return new Quotes();
            }
        }
    }

    /** A cache only evicted by an annotation. */
    @Configuration(proxyBeanMethods = false)
    static class Evictions {
        @Bean
        QuoteReset quoteReset() {
            return new QuoteReset();
        }

        static class QuoteReset {
            @CacheEvict("quotes")
            public void reset() {}
        }
    }
}
