package dev.ballast.lock.resilient;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.core.alert.Alert;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import dev.ballast.lock.redis.RedisLockStrategies;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * One application instance for the resilient lock's failover tests: its own Redis client (standalone or cluster),
 * PostgreSQL pool, Redis and JDBC backends and breaker, with the resilient strategy's default timing settings, and
 * what it saw: grants per active backend, the switches it made and followed, leases lost, alerts, lock metrics. Shared by the ITs
 * that run two such instances against a Redis the test kills; the helpers below are theirs too.
 */
final class ResilientInstance implements AutoCloseable {

    static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";

    final String name;
    final HikariDataSource pool;
    final ConcurrentMap<String, AtomicInteger> grants = new ConcurrentHashMap<>();
    final List<String> switches = new CopyOnWriteArrayList<>();
    final List<String> followed = new CopyOnWriteArrayList<>();
    final List<String> lost = new CopyOnWriteArrayList<>();
    final List<Alert> alerts;
    final MeterRegistry registry = new SimpleMeterRegistry();
    final ResilientLockStrategy locks;
    private final AutoCloseable client;

    private ResilientInstance(
            String name,
            String prefix,
            int poolSize,
            AutoCloseable client,
            LockStrategy primary,
            List<Alert> alerts,
            LockListener also) {
        this.name = name;
        this.alerts = alerts;
        this.client = client;
        this.pool = pool(poolSize);
        LockStrategy fallback = JdbcLockStrategies.builder(pool, prefix, true)
                .alerts(alerts::add)
                .build();
        LockListener observe = new LockListener() {
            @Override
            public void leaseLost(String backend, LockHandle handle) {
                lost.add(handle.key());
            }

            @Override
            public void modeSwitched(String from, String to, long epoch) {
                switches.add(from + "->" + to);
            }

            @Override
            public void modeFollowed(String from, String to, long epoch) {
                followed.add(from + "->" + to);
            }
        };
        locks = ResilientLockStrategy.builder(primary, fallback, pool) // default timing settings
                .tablePrefix(prefix)
                .createTable(true)
                .listener(LockListener.all(List.of(LockMetrics.create(registry), also, observe)))
                .alerts(alerts::add)
                .instanceName(name)
                .build();
    }

    /** On a standalone redis-server, with Lettuce's default reconnect back-off and the lock's own reconnect delay. */
    static ResilientInstance onServer(
            String name, String prefix, int poolSize, String uri, Duration reconnectDelay, LockListener also) {
        RedisClient client = RedisClient.create(uri); // Lettuce's default back-off: only the lock's delay bounds it
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        LockStrategy primary = RedisLockStrategies.builder(client)
                .reconnectDelay(reconnectDelay)
                .alerts(alerts::add)
                .build();
        return new ResilientInstance(name, prefix, poolSize, client::shutdown, primary, alerts, also);
    }

    /**
     * On a Redis Cluster given by its node URIs, with a 2 s command timeout and the topology refresh the starter
     * configures by default (adaptive triggers, no periodic refresh).
     */
    static ResilientInstance onCluster(String name, String prefix, int poolSize, List<String> uris, LockListener also) {
        RedisClusterClient client = RedisClusterClient.create(uris.stream()
                .map(uri -> RedisURI.builder(RedisURI.create(uri))
                        .withTimeout(Duration.ofSeconds(2))
                        .build())
                .toList());
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        LockStrategy primary = RedisLockStrategies.builder(client)
                .reconnectDelay(Duration.ofSeconds(1))
                .alerts(alerts::add)
                .build();
        return new ResilientInstance(
                name,
                prefix,
                poolSize,
                () -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)),
                primary,
                alerts,
                also);
    }

    /** Grants counted under {@code backend}, the active backend when each was made. */
    int grants(String backend) {
        return grants.getOrDefault(backend, new AtomicInteger()).get();
    }

    /** Counts a grant under the backend active now. */
    void granted() {
        grants.computeIfAbsent(locks.activeBackend(), b -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void close() throws Exception {
        locks.close();
        client.close();
        pool.close();
    }

    /** A table prefix of the test's own, so runs never share tables. */
    static String prefix(String tag) {
        return tag + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    }

    /** Grants under {@code backend} summed over {@code instances}. */
    static long grants(List<ResilientInstance> instances, String backend) {
        return instances.stream().mapToLong(each -> each.grants(backend)).sum();
    }

    static HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(JDBC);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(5_000);
        return new HikariDataSource(config);
    }

    /** Drops the test's tables ({@code lock}, {@code lock_mode} and {@code more}) and closes {@code admin}. */
    static void dropTables(HikariDataSource admin, String prefix, String... more) throws Exception {
        try (admin;
                Connection connection = admin.getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : JdbcLockStrategies.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
            for (String table : more) {
                statement.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
    }

    /** Waits for the real servers and timers, bounded: their timing is what these tests measure. */
    static void awaitTrue(String what, BooleanSupplier condition, int seconds) {
        await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }
}
