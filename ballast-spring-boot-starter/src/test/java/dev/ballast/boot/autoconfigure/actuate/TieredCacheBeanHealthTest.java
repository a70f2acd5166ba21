package dev.ballast.boot.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import dev.ballast.test.Eventually;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A cache the application builds itself ({@code TieredCache.builder}, a bean, as the example's quotes cache) is in the
 * {@code ballast} health component like the cache manager's: UP with its Redis L2, DEGRADED once its Redis is gone. On a
 * redis-server of the test's own.
 */
class TieredCacheBeanHealthTest {

    private RedisServer redis;
    private RedisClient client;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        client = RedisClient.create(redis.uri());
    }

    @AfterEach
    void stop() throws Exception {
        client.shutdown();
        redis.close();
    }

    @Test
    void anApplicationsOwnTieredCacheBeanIsInTheBallastHealthAndDegradesWithoutItsRedis() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(BallastActuatorAutoConfiguration.class))
                .withBean(
                        "quoteCache",
                        TieredCache.class,
                        () -> TieredCache.<String, String>builder(
                                        CacheSettings.builder("quotes").build(), Codec.json(String.class))
                                .keys(symbol -> symbol)
                                .redis(client)
                                .build(),
                        definition -> definition.setDestroyMethodName("close"))
                .run(context -> {
                    Eventually.within(Duration.ofSeconds(5), "the quotes cache is UP", () -> quotesHealth(context)
                            .getStatus()
                            .equals(Status.UP));
                    redis.kill();
                    TieredCache<String, String> quotes = context.getBean(TieredCache.class);
                    Eventually.within(Duration.ofSeconds(10), "the quotes cache is DEGRADED", () -> {
                        quotes.get("AAPL", symbol -> "187.50"); // the L2 read that finds Redis gone
                        return quotesHealth(context).getStatus().getCode().equals("DEGRADED");
                    });
                });
    }

    private static org.springframework.boot.health.contributor.Health quotesHealth(
            AssertableApplicationContext context) {
        CompositeHealthContributor ballast =
                context.getBean("ballastHealthContributor", CompositeHealthContributor.class);
        CompositeHealthContributor caches = (CompositeHealthContributor) ballast.getContributor("cache");
        assertThat(caches).as("a cache child in the ballast component").isNotNull();
        return ((HealthIndicator) caches.getContributor("quotes")).health();
    }
}
