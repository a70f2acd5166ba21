package dev.ballast.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.internal.LeaseLockStrategy;
import dev.ballast.test.RedisCluster;
import dev.ballast.testkit.ClusterClients;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lock contract on a Redis Cluster of the test's own (3 primaries, 3 replicas; one cluster for the class), what
 * only a cluster can show (slots, scripts per node, multi-key locks across primaries), and the failover of a lock's
 * primary (last).
 */
class RedisClusterLockStrategyIT extends RedisFailoverLockContract {

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create();

    private static final JdbcDataSource resources = new JdbcDataSource();
    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> admin;

    static {
        resources.setURL("jdbc:h2:mem:redis-cluster-lock-resources;DB_CLOSE_DELAY=-1");
    }

    @BeforeAll
    static void connect() {
        client = ClusterClients.refreshingEverySecond(cluster.uris(), Duration.ofSeconds(2));
        admin = client.connect();
    }

    @AfterAll
    static void close() {
        admin.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
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

    @Override
    protected int primaryPortOf(String redisKey) throws Exception {
        return cluster.primaryPortOf(redisKey);
    }

    @Override
    protected void awaitReplicasInSync(int primaryPort) throws Exception {
        cluster.awaitReplicasInSync(primaryPort);
    }

    @Override
    protected void cutReplicaOff(int primaryPort) throws Exception {
        cluster.cutReplicaOff(primaryPort);
    }

    @Override
    protected void killPrimaryAndAwaitPromotion(int primaryPort) throws Exception {
        cluster.killPrimaryAndAwaitPromotion(primaryPort);
    }

    @Test
    void theHealthProbeHasOneKeyOnEachPrimary() throws Exception {
        List<String> probeKeys = ((LeaseLockStrategy) locks).probeKeys("ballast:probe:instance-1");

        List<Integer> primaries = new ArrayList<>();
        for (String key : probeKeys) {
            primaries.add(cluster.primaryPortOf(RedisLockBackend.lockKey(key)));
        }
        assertThat(primaries)
                .as("the probe keys' primaries")
                .containsExactlyInAnyOrderElementsOf(cluster.primaryPorts());
        assertThat(probeKeys).allSatisfy(key -> assertThat(key).startsWith("ballast:probe:instance-1:"));
    }

    @Test
    void aLockAndItsFenceCounterShareOneSlotWhateverTheKey() {
        for (String key : List.of("005930", "order:{42}", "}starts-with-a-brace", "a}b{c", "{}")) {
            assertThat(SlotHash.getSlot(RedisLockBackend.fenceKey(key)))
                    .as(key)
                    .isEqualTo(SlotHash.getSlot(RedisLockBackend.lockKey(key)));
            try (LockHandle handle = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
                assertThat(handle.fencingToken()).isPositive();
            }
        }
        assertThat(RedisLockBackend.lockKey("}x")).isNotEqualTo(RedisLockBackend.lockKey("x"));
    }

    @Test
    void locksOnKeysOfThreePrimariesAreTakenAllOrNothing() throws Exception {
        Map<Integer, String> keyPerPrimary = new LinkedHashMap<>();
        for (int i = 0; keyPerPrimary.size() < 3 && i < 1000; i++) {
            String candidate = "spread:" + UUID.randomUUID();
            keyPerPrimary.putIfAbsent(cluster.primaryPortOf(RedisLockBackend.lockKey(candidate)), candidate);
        }
        List<String> keys = new ArrayList<>(keyPerPrimary.values());
        assertThat(keys).hasSize(3);
        String last = keys.stream().sorted().toList().getLast();

        try (LockHandle held = locks.tryAcquire(last, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> locks.executeWithLocks(keys, Duration.ZERO, Duration.ofSeconds(5), () -> "x"))
                    .isInstanceOf(LockAcquisitionException.class)
                    .satisfies(e ->
                            assertThat(((LockAcquisitionException) e).key()).isEqualTo(last));
            for (String key : keys) {
                if (!key.equals(last)) {
                    try (LockHandle free = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
                        assertThat(free.isValid()).as(key + " was released").isTrue();
                    }
                }
            }
        }
        assertThat(locks.executeWithLocks(keys, Duration.ZERO, Duration.ofSeconds(5), () -> "all three"))
                .isEqualTo("all three");
    }

    @Test
    void scriptsFlushedFromEveryNodeAreSentAgainWithoutAnError() {
        String key = "flush:" + UUID.randomUUID();
        long before;
        try (LockHandle first = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            before = first.fencingToken();
        }
        admin.sync().scriptFlush(); // as on a promoted replica that never ran them

        try (LockHandle again = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(again.fencingToken()).isGreaterThan(before);
            assertThat(again.isValid()).isTrue();
        }
    }
}
