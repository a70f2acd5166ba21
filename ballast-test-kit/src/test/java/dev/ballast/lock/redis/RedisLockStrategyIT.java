package dev.ballast.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.ManualLockClock;
import dev.ballast.testkit.lock.LockStrategyContract;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The lock contract on the machine's shared Redis; every test uses its own keys. */
class RedisLockStrategyIT extends LockStrategyContract {

    private static final RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
    private static final StatefulRedisConnection<String, String> admin = client.connect();
    private static final JdbcDataSource resources = new JdbcDataSource();

    static {
        resources.setURL("jdbc:h2:mem:redis-lock-resources;DB_CLOSE_DELAY=-1");
    }

    @AfterAll
    static void closeClient() {
        admin.close();
        client.shutdown();
    }

    @Override
    protected LockStrategy create(LockListener listener) {
        return RedisLockStrategies.create(client, listener, AlertSink.logging());
    }

    @Override
    protected void expireLease(String key) {
        admin.sync().del(RedisLockBackend.lockKey(key));
    }

    @Override
    protected DataSource resources() {
        return resources;
    }

    @Test
    void theLockValueNamesTheProcessThatHoldsItAndIsNewForEachAcquisition() {
        String key = "owner:" + UUID.randomUUID();
        String process = ManagementFactory.getRuntimeMXBean().getName();
        String first;
        try (LockHandle held = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            first = admin.sync().get(RedisLockBackend.lockKey(key));
        }
        String second;
        try (LockHandle held = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            second = admin.sync().get(RedisLockBackend.lockKey(key));
        }
        assertThat(first)
                .startsWith(process.substring(0, Math.min(27, process.length())))
                .hasSizeLessThanOrEqualTo(64);
        assertThat(second)
                .startsWith(process.substring(0, Math.min(27, process.length())))
                .isNotEqualTo(first);
        assertThat(admin.sync().get(RedisLockBackend.lockKey(key)))
                .as("released")
                .isNull();
    }

    @Test
    void tokensStayAboveEarlierOnesWhenTheFenceCounterIsLost() {
        String key = "fence-loss:" + UUID.randomUUID();
        long before;
        try (LockHandle first = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            before = first.fencingToken();
        }
        admin.sync().del(RedisLockBackend.fenceKey(key)); // as after a restart without persistence

        try (LockHandle after = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(after.fencingToken()).isGreaterThan(before);
        }
    }

    @Test
    void eachAcquisitionLetsTheKeysFenceCounterLiveForTheRetentionAndNoLonger() {
        String key = "fence-retention:" + UUID.randomUUID();
        try (LockHandle held = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(held.fencingToken()).isPositive();
        }
        assertThat(fenceTtl(key))
                .isBetween(
                        RedisLockStrategyBuilder.DEFAULT_FENCE_RETENTION.minusMinutes(1),
                        RedisLockStrategyBuilder.DEFAULT_FENCE_RETENTION);

        try (LockStrategy shortLived = RedisLockStrategies.builder(client)
                        .fenceRetention(Duration.ofHours(2))
                        .build();
                LockHandle again = shortLived.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(again.fencingToken()).isPositive();
            assertThat(fenceTtl(key)).isBetween(Duration.ofHours(2).minusMinutes(1), Duration.ofHours(2));
        }
    }

    @Test
    void raisingTheFenceKeepsTheHigherValueAndStillLetsTheCounterExpire() {
        String key = "fence-raise:" + UUID.randomUUID();
        long issued;
        try (LockHandle held = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            issued = held.fencingToken();
        }
        long counter = Long.parseLong(admin.sync().get(RedisLockBackend.fenceKey(key)));
        RedisLockBackend backend =
                new RedisLockBackend(client, new ManualLockClock(), null, Duration.ofSeconds(1), Duration.ofHours(3));
        long ahead = counter + 60_000_000L; // a database's token a minute ahead of Redis's clock
        try {
            backend.raiseFence(key, counter - 1_000); // a lower floor leaves the counter's value alone
            assertThat(admin.sync().get(RedisLockBackend.fenceKey(key))).isEqualTo(Long.toString(counter));
            assertThat(fenceTtl(key)).isBetween(Duration.ofHours(3).minusMinutes(1), Duration.ofHours(3));

            backend.raiseFence(key, ahead);
            assertThat(admin.sync().get(RedisLockBackend.fenceKey(key))).isEqualTo(Long.toString(ahead));
        } finally {
            backend.close();
        }
        try (LockHandle next = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(next.fencingToken()).isGreaterThan(issued);
        }
        assertThat(Long.parseLong(admin.sync().get(RedisLockBackend.fenceKey(key))))
                .isEqualTo(ahead + 1);
        assertThat(fenceTtl(key))
                .isBetween(
                        RedisLockStrategyBuilder.DEFAULT_FENCE_RETENTION.minusMinutes(1),
                        RedisLockStrategyBuilder.DEFAULT_FENCE_RETENTION);
    }

    @Test
    void aFenceRetentionShorterThanAnHourIsRefusedAtConfiguration() {
        assertThatThrownBy(() -> RedisLockStrategies.builder(client).fenceRetention(Duration.ofMinutes(59)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fenceRetention must be at least 1 hour, was PT59M");
    }

    private static Duration fenceTtl(String key) {
        return Duration.ofMillis(admin.sync().pttl(RedisLockBackend.fenceKey(key)));
    }
}
