package dev.ballast.lock.resilient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.redis.RedisLockStrategies;
import dev.ballast.test.RedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 19's black-box finding, on real servers: two instances, each with its own cluster client, database pool and
 * breaker, lock keys spread over every slot of the test's own Redis Cluster (3 primaries, 3 replicas) with the
 * resilient strategy's default settings, while one primary is SIGKILLed, stays dead for the node timeout (10 s: its
 * slots are unserved, the other primaries answer, as in a production cluster before its failover), is replaced by its
 * promoted replica, and is finally restarted. The probe must reach every primary and the return must wait until no
 * instance sees failures: at most one switch to the database and one back in all, every instance following each once;
 * mutual exclusion (no two holders of a key at once, fencing tokens rising per key) and every call answered within its
 * wait plus a command timeout. Without the per-primary probe, the probe of a key on a live primary moved locks back
 * while the dead one's callers failed: the flapping the black-box check saw.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ResilientLockClusterFailoverIT {

    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create(NODE_TIMEOUT);

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final int KEYS = 48;
    private static final int WORKERS_PER_INSTANCE = 3;
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** A call waits at most WAIT, plus one Redis command timeout (1 s) in flight at its deadline, plus scheduling. */
    private static final long CALL_BOUND_MILLIS = WAIT.toMillis() + 2_000;

    private final String prefix =
            "rc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    private final List<String> keys = new ArrayList<>();
    private final List<Instance> instances = new ArrayList<>();
    private final ConcurrentMap<String, AtomicInteger> holders = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicLong> lastTokens = new ConcurrentHashMap<>();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger tokenRegressions = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong longestCallMillis = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    /** Every switch made by either instance, as "from->to @ ms since the test started". */
    private final List<String> switches = new CopyOnWriteArrayList<>();

    private final long startedAt = System.nanoTime();
    private HikariDataSource admin;

    @BeforeEach
    void start() throws Exception {
        admin = pool(2);
        Set<Integer> primariesCovered = new HashSet<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "account:" + i;
            keys.add(key);
            primariesCovered.add(cluster.primaryPortOf(key));
        }
        assertThat(primariesCovered).as("the keys reach every primary").hasSize(3);
        instances.add(new Instance("A"));
        instances.add(new Instance("B"));
    }

    @AfterEach
    void stopAll() throws Exception {
        stop.set(true);
        for (Instance instance : instances) {
            instance.close();
        }
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : List.of("lock", "lock_mode")) {
                statement.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
        admin.close();
    }

    @Test
    void onePrimaryDeadForTheNodeTimeoutMovesLocksToTheDatabaseOnceAndBackOnce() throws Exception {
        List<Thread> workers = new ArrayList<>();
        for (Instance instance : instances) {
            for (int i = 0; i < WORKERS_PER_INSTANCE; i++) {
                workers.add(
                        Thread.ofPlatform().name("worker-" + instance.name + i).start(() -> work(instance)));
            }
        }
        Instance a = instances.get(0);
        Instance b = instances.get(1);
        awaitTrue("grants on redis", () -> grants("redis") >= 100, 30);

        // the primary that serves neither instance's former single probe key: a probe of one key stays healthy
        List<Integer> primaries = new ArrayList<>(cluster.primaryPorts());
        primaries.remove(Integer.valueOf(cluster.primaryPortOf("ballast:probe:A")));
        primaries.remove(Integer.valueOf(cluster.primaryPortOf("ballast:probe:B")));
        int victim = primaries.getFirst();
        long killedAt = elapsedMillis();
        cluster.killPrimary(victim);
        awaitTrue(
                "both instances on the database",
                () -> a.locks.activeBackend().equals("jdbc")
                        && b.locks.activeBackend().equals("jdbc"),
                30);
        long onDatabaseAt = elapsedMillis();
        long jdbcBefore = grants("jdbc");
        awaitTrue("grants on the database", () -> grants("jdbc") >= jdbcBefore + 100, 30);

        cluster.awaitPromotion(victim);
        long promotedAt = elapsedMillis();
        long redisBefore = grants("redis");
        awaitTrue(
                "both instances back on redis and granting there",
                () -> a.locks.activeBackend().equals("redis")
                        && b.locks.activeBackend().equals("redis")
                        && grants("redis") >= redisBefore + 100,
                // the quiet period (5 s) and two probes after the promotion, with room for a loaded machine; the
                // killed node stays down, so only the probe's own refresh of the slot map can show the promotion
                // (Lettuce's adaptive refresh is rate-limited to one per 30 s: a black-box run waited 37 s for it)
                25);
        long backAt = elapsedMillis();

        cluster.restart(victim); // rejoins as a replica of the promoted node
        long afterRestart = grants("redis");
        awaitTrue("grants on redis after the restart", () -> grants("redis") >= afterRestart + 300, 60);

        stop.set(true);
        for (Thread worker : workers) {
            worker.join(15_000);
        }
        System.out.printf(
                "ResilientLockClusterFailoverIT (defaults, %d clients, %d keys on 3 primaries, node timeout %s):"
                        + " killed at %d ms, both on jdbc at %d ms, promoted at %d ms, both back on redis at %d ms;"
                        + " switches %s; %d calls, %d granted on redis, %d on jdbc, %d refused, %d failed, longest"
                        + " call %d ms%n",
                2 * WORKERS_PER_INSTANCE,
                KEYS,
                NODE_TIMEOUT,
                killedAt,
                onDatabaseAt,
                promotedAt,
                backAt,
                switches,
                calls.get(),
                grants("redis"),
                grants("jdbc"),
                refused.get(),
                failed.get(),
                longestCallMillis.get());
        assertThat(unexpected).isEmpty();
        assertThat(switches.stream().map(each -> each.split(" ")[0]).toList())
                .as("mode switches in all (no flapping)")
                .containsExactly("redis->jdbc", "jdbc->redis");
        for (Instance instance : instances) {
            assertThat(instance.followed)
                    .as(instance.name + " follows each change once")
                    .containsExactly("redis->jdbc", "jdbc->redis");
        }
        assertThat(overlaps.get()).as("moments a key had two holders").isZero();
        assertThat(tokenRegressions.get())
                .as("fencing tokens that did not rise for their key")
                .isZero();
        assertThat(longestCallMillis.get())
                .as("the longest lock call (wait %s)", WAIT)
                .isLessThan(CALL_BOUND_MILLIS);
    }

    private void work(Instance instance) {
        while (!stop.get()) {
            String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            long began = System.nanoTime();
            try (LockHandle handle = instance.locks.tryAcquire(key, WAIT, Duration.ofSeconds(2))) {
                AtomicInteger inside = holders.computeIfAbsent(key, k -> new AtomicInteger());
                if (inside.incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                long previous =
                        lastTokens.computeIfAbsent(key, k -> new AtomicLong()).getAndSet(handle.fencingToken());
                if (handle.fencingToken() <= previous) {
                    tokenRegressions.incrementAndGet();
                }
                instance.grants
                        .computeIfAbsent(instance.locks.activeBackend(), k -> new AtomicInteger())
                        .incrementAndGet();
                inside.decrementAndGet();
            } catch (LockAcquisitionException e) {
                refused.incrementAndGet();
            } catch (LockBackendException e) {
                failed.incrementAndGet();
            } catch (RuntimeException e) {
                unexpected.add(e);
                return;
            } finally {
                calls.incrementAndGet();
                longestCallMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), Math::max);
            }
            // paces the load (about 150 calls a second per worker) on a shared 2-core machine; not a wait for anything
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
    }

    private long grants(String backend) {
        return instances.stream()
                .mapToLong(each ->
                        each.grants.getOrDefault(backend, new AtomicInteger()).get())
                .sum();
    }

    /** Waits for the real servers and timers, bounded. */
    private static void awaitTrue(String what, BooleanSupplier condition, int seconds) {
        await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }

    private static HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(JDBC);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(5_000);
        return new HikariDataSource(config);
    }

    /** One application instance: its own cluster client (and topology view), pool, backends and breaker. */
    private final class Instance implements AutoCloseable {
        final String name;
        final RedisClusterClient client;
        final HikariDataSource pool = pool(10);
        final ConcurrentMap<String, AtomicInteger> grants = new ConcurrentHashMap<>();
        final List<String> followed = new CopyOnWriteArrayList<>();
        final ResilientLockStrategy locks;

        Instance(String name) {
            this.name = name;
            client = RedisClusterClient.create(cluster.uris().stream()
                    .map(uri -> RedisURI.builder(RedisURI.create(uri))
                            .withTimeout(Duration.ofSeconds(2))
                            .build())
                    .toList());
            // as the starter configures it by default: adaptive refresh triggers, no periodic refresh
            client.setOptions(ClusterClientOptions.builder()
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            LockStrategy primary = RedisLockStrategies.builder(client)
                    .reconnectDelay(Duration.ofSeconds(1))
                    .build();
            LockStrategy fallback =
                    JdbcLockStrategies.builder(pool, prefix, true).build();
            LockListener observe = new LockListener() {
                @Override
                public void leaseLost(String backend, LockHandle handle) {}

                @Override
                public void modeSwitched(String from, String to, long epoch) {
                    switches.add(from + "->" + to + " @" + elapsedMillis() + "ms by " + name);
                }

                @Override
                public void modeFollowed(String from, String to, long epoch) {
                    followed.add(from + "->" + to);
                }
            };
            locks = ResilientLockStrategy.builder(primary, fallback, pool) // default timing settings
                    .tablePrefix(prefix)
                    .createTable(true)
                    .listener(observe)
                    .instanceName(name)
                    .build();
        }

        @Override
        public void close() {
            locks.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            pool.close();
        }
    }
}
