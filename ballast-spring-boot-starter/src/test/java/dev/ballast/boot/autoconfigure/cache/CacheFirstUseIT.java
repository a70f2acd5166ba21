package dev.ballast.boot.autoconfigure.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.test.Eventually;
import dev.ballast.test.FaultProxy;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A cache is made on its first use, and making it connects to Redis; against a Redis host that accepts connections but
 * does not answer, that connect waits for Lettuce's timeout. Found by a black-box check: the cache manager made caches
 * under one lock for all names, so the first use of every other cache waited behind that connect as well.
 */
class CacheFirstUseIT {

    @Test
    void aCacheFirstUsedWhileAnotherIsStillConnectingConnectsWithoutWaitingForIt() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(6379)) {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(
                            BallastRedisAutoConfiguration.class, BallastCacheAutoConfiguration.class))
                    .withPropertyValues(
                            "spring.data.redis.host=127.0.0.1",
                            "spring.data.redis.port=" + proxy.port(),
                            "ballast.cache.defaults.value-type=java.lang.String")
                    .run(context -> {
                        CacheManager manager = context.getBean(CacheManager.class);
                        ExecutorService callers = Executors.newFixedThreadPool(2);
                        try {
                            int before = proxy.openConnections();
                            proxy.blackhole(); // connections are accepted, nothing is answered until healed
                            Future<Cache> first = callers.submit(() -> manager.getCache("first-" + before));
                            Eventually.within(
                                    Duration.ofSeconds(10),
                                    "the first cache connecting",
                                    () -> proxy.openConnections() > before);
                            int whileFirstConnects = proxy.openConnections();

                            Future<Cache> second = callers.submit(() -> manager.getCache("second-" + before));

                            Eventually.within(
                                    Duration.ofSeconds(10),
                                    "the second cache connecting while the first one's connect still waits",
                                    () -> proxy.openConnections() > whileFirstConnects);
                            assertThat(first)
                                    .as("the first cache, its connect unanswered")
                                    .isNotDone();
                            proxy.heal();
                            assertThat(first.get(60, TimeUnit.SECONDS)).isNotNull();
                            assertThat(second.get(60, TimeUnit.SECONDS)).isNotNull();
                        } finally {
                            proxy.heal();
                            callers.shutdownNow();
                        }
                    });
        }
    }
}
