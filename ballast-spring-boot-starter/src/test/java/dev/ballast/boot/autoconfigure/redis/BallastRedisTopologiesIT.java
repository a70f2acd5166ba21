package dev.ballast.boot.autoconfigure.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.autoconfigure.cache.BallastCacheAutoConfiguration;
import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import dev.ballast.test.RedisCluster;
import dev.ballast.test.RedisSentinel;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * Cache and locks from nothing but Spring Boot's {@code spring.data.redis.cluster.*} / {@code sentinel.*} settings,
 * against a Redis Cluster and a Sentinel setup of the test's own: two application contexts share the L2 and its
 * invalidations, and exclude each other from a lock.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BallastRedisTopologiesIT {

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create();

    @RegisterExtension
    static final RedisSentinel sentinel = RedisSentinel.create();

    private final String cache = "prices-" + UUID.randomUUID().toString().substring(0, 8);

    private ApplicationContextRunner runner(String... properties) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastRedisAutoConfiguration.class,
                        BallastExecutorAutoConfiguration.class,
                        BallastCacheAutoConfiguration.class,
                        BallastLockAutoConfiguration.class))
                .withPropertyValues(
                        "spring.data.redis.timeout=2s",
                        "ballast.cache.caches." + cache + ".value-type=java.lang.String",
                        "ballast.cache.caches." + cache + ".early-refresh-beta=0")
                .withPropertyValues(properties);
    }

    @Test
    void clusterNodesGiveCacheAndLocksOnTheCluster() {
        String nodes = cluster.uris().stream()
                .map(uri -> uri.substring("redis://".length()))
                .collect(Collectors.joining(","));
        ApplicationContextRunner onCluster = runner("spring.data.redis.cluster.nodes=" + nodes);
        onCluster.run(first -> onCluster.run(second -> {
            assertThat(first).hasSingleBean(RedisClusterClient.class).doesNotHaveBean(RedisClient.class);
            sharesCacheAndLocks(
                    first.getBean(CacheManager.class),
                    second.getBean(CacheManager.class),
                    first.getBean(LockStrategy.class),
                    second.getBean(LockStrategy.class));
        }));
    }

    @Test
    void theResilientLockChainRunsOnTheClusterWithTheDatabaseBehindIt() {
        String nodes = cluster.uris().stream()
                .map(uri -> uri.substring("redis://".length()))
                .collect(Collectors.joining(","));
        runner("spring.data.redis.cluster.nodes=" + nodes, "ballast.lock.backend=RESILIENT")
                .withBean(DataSource.class, () -> {
                    JdbcDataSource h2 = new JdbcDataSource();
                    h2.setURL("jdbc:h2:mem:topologies-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
                    return h2;
                })
                .run(context -> {
                    ResilientLockStrategy locks = (ResilientLockStrategy) context.getBean(LockStrategy.class);
                    assertThat(locks.activeBackend()).isEqualTo("redis");
                    try (LockHandle handle =
                            locks.tryAcquire("starter:" + UUID.randomUUID(), Duration.ZERO, Duration.ofSeconds(2))) {
                        assertThat(handle.isValid()).isTrue();
                        assertThat(handle.fencingToken()).isPositive();
                    }
                });
    }

    @Test
    void sentinelSettingsGiveCacheAndLocksOnThePrimaryTheSentinelsName() {
        String nodes = sentinel.sentinelPorts().stream()
                .map(port -> "127.0.0.1:" + port)
                .collect(Collectors.joining(","));
        ApplicationContextRunner onSentinel = runner(
                "spring.data.redis.sentinel.master=" + RedisSentinel.MASTER_NAME,
                "spring.data.redis.sentinel.nodes=" + nodes);
        onSentinel.run(first -> onSentinel.run(second -> {
            assertThat(first).hasSingleBean(RedisClient.class).doesNotHaveBean(RedisClusterClient.class);
            sharesCacheAndLocks(
                    first.getBean(CacheManager.class),
                    second.getBean(CacheManager.class),
                    first.getBean(LockStrategy.class),
                    second.getBean(LockStrategy.class));
        }));
    }

    private void sharesCacheAndLocks(CacheManager first, CacheManager second, LockStrategy one, LockStrategy two) {
        AtomicInteger loads = new AtomicInteger();
        Cache a = first.getCache(cache);
        Cache b = second.getCache(cache);
        assertThat(a.get("005930", () -> "71200.00:" + loads.incrementAndGet())).isEqualTo("71200.00:1");
        assertThat(b.get("005930", () -> "71200.00:" + loads.incrementAndGet()))
                .as("the other instance reads L2")
                .isEqualTo("71200.00:1");
        a.evict("005930");
        Awaitility.await("the evict reached the other instance")
                .atMost(Duration.ofSeconds(5))
                .until(() -> b.get("005930") == null);

        assertThat(one.backend()).isEqualTo("redis");
        String key = "starter:" + UUID.randomUUID();
        try (LockHandle held = one.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            Assertions.assertThatThrownBy(() -> two.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5)))
                    .isInstanceOf(LockAcquisitionException.class);
            assertThat(held.isValid()).isTrue();
        }
        try (LockHandle next = two.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(next.isValid()).isTrue();
        }
    }
}
