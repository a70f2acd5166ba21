package dev.ballast.lock.resilient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import dev.ballast.lock.redis.RedisLockStrategies;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances, each with its own Redis connections, database pool and circuit breaker, contend on one key while the
 * test's own redis-server is killed and later restarted, with the resilient strategy's <em>default</em> settings and
 * the starter's default reconnect delay. Mutual exclusion must hold through both switches: at most one holder at any
 * moment, an exact read-modify-write counter, and fencing tokens rising across the backends. Every instance reports
 * each mode change it follows. The refusals (and the longest pause without a grant) around each switch are measured
 * and printed; with 5 s waits, as the example's deposits use, callers wait through a switch instead of being refused.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResilientLockFailoverIT {

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String KEY = "account:A-1";
    private static final int WORKERS_PER_INSTANCE = 4;
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);

    private final String prefix =
            "rl" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    private final List<Instance> instances = new ArrayList<>();
    private final AtomicInteger holders = new AtomicInteger();
    private final AtomicInteger maxHolders = new AtomicInteger();
    private final AtomicLong entered = new AtomicLong();
    private final AtomicLong lastToken = new AtomicLong();
    private final AtomicInteger tokenRegressions = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    /** Per request: when it ended (ms since the test started), and whether it was refused. */
    private final List<long[]> outcomes = new CopyOnWriteArrayList<>();

    private final long startedAt = System.nanoTime();
    private RedisServer redis;
    private HikariDataSource admin;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        admin = pool(2);
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + prefix + "account (id VARCHAR(16) PRIMARY KEY, n BIGINT NOT NULL)");
            statement.execute("INSERT INTO " + prefix + "account VALUES ('A-1', 0)");
        }
        instances.add(new Instance("A"));
        instances.add(new Instance("B"));
    }

    @AfterEach
    void stopAll() throws Exception {
        stop.set(true);
        for (Instance instance : instances) {
            instance.close();
        }
        redis.close();
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : List.of("account", "lock", "lock_mode")) {
                statement.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
        admin.close();
    }

    @Test
    void mutualExclusionHoldsWhileRedisDiesAndReturns() throws Exception {
        List<Thread> workers = new ArrayList<>();
        for (Instance instance : instances) {
            for (int i = 0; i < WORKERS_PER_INSTANCE; i++) {
                workers.add(
                        Thread.ofPlatform().name("worker-" + instance.name + i).start(() -> work(instance)));
            }
        }
        Instance a = instances.get(0);
        Instance b = instances.get(1);
        awaitTrue("grants on redis", () -> grants("redis") >= 30, 20);
        LockHandle heldAcrossTheSwitch =
                a.locks.tryAcquire("held-across-switch", Duration.ofSeconds(2), Duration.ofSeconds(1));

        long killedAt = elapsedMillis();
        redis.kill();
        long jdbcBefore = grants("jdbc");
        awaitTrue(
                "both instances on the database and granting there",
                () -> a.locks.activeBackend().equals("jdbc")
                        && b.locks.activeBackend().equals("jdbc")
                        && grants("jdbc") >= jdbcBefore + 30,
                30);
        assertThat(heldAcrossTheSwitch.isValid())
                .as("a Redis handle from before the switch is revoked")
                .isFalse();
        assertThat(a.lost).contains("held-across-switch");
        heldAcrossTheSwitch.close();

        long restartedAt = elapsedMillis();
        long redisBefore = grants("redis");
        redis.restart(); // empty: the lock keys and fence counters are gone
        awaitTrue(
                "both instances back on redis and granting there",
                () -> a.locks.activeBackend().equals("redis")
                        && b.locks.activeBackend().equals("redis")
                        && grants("redis") >= redisBefore + 30,
                40);

        stop.set(true);
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        assertThat(unexpected).isEmpty();
        assertThat(maxHolders.get()).as("holders at once").isEqualTo(1);
        assertThat(counter()).as("guarded read-modify-write count").isEqualTo(entered.get());
        assertThat(tokenRegressions.get())
                .as("fencing tokens that did not rise")
                .isZero();
        List<String> switches = new ArrayList<>();
        instances.forEach(each -> switches.addAll(each.switches));
        assertThat(switches).contains("redis->jdbc", "jdbc->redis");
        List<Alert> alerts = new ArrayList<>();
        instances.forEach(each -> alerts.addAll(each.alerts));
        assertThat(alerts)
                .anySatisfy(alert -> {
                    assertThat(alert.severity()).isEqualTo(Severity.WARNING);
                    assertThat(alert.title()).isEqualTo("Locks failed over from redis to jdbc");
                })
                .anySatisfy(alert -> {
                    assertThat(alert.severity()).isEqualTo(Severity.INFO);
                    assertThat(alert.title()).isEqualTo("Locks returned from jdbc to redis");
                });
        double switchCount = instances.stream()
                .mapToDouble(each -> each.registry.find("ballast.lock.fallback.switches").counters().stream()
                        .mapToDouble(counter -> counter.count())
                        .sum())
                .sum();
        assertThat(switchCount).isEqualTo(switches.size());
        assertThat(a.registry
                        .find("ballast.lock.breaker.state")
                        .tag("backend", "redis")
                        .gauge())
                .isNotNull();
        for (Instance instance : instances) {
            assertThat(instance.followed)
                    .as(instance.name + " follows both changes")
                    .contains("redis->jdbc", "jdbc->redis");
            assertThat(instance.alerts)
                    .as(instance.name + " alerts that it follows")
                    .anySatisfy(alert ->
                            assertThat(alert.title()).isEqualTo("Instance " + instance.name + " follows locks on jdbc"))
                    .anySatisfy(alert -> assertThat(alert.title())
                            .isEqualTo("Instance " + instance.name + " follows locks on redis"));
            assertThat(instance.registry
                            .find("ballast.lock.mode.changes")
                            .tags("from", "redis", "to", "jdbc")
                            .counter())
                    .as(instance.name + " counts the change it followed")
                    .isNotNull();
        }
        Window toDatabase = window(killedAt, restartedAt);
        Window back = window(restartedAt, elapsedMillis());
        System.out.printf(
                "ResilientLockFailoverIT (default settings, %d clients, %s waits): switch to jdbc: %d refused, refusals"
                        + " over %d ms, longest pause without a grant %d ms; switch back to redis: %d refused, refusals"
                        + " over %d ms, longest pause %d ms%n",
                2 * WORKERS_PER_INSTANCE,
                WAIT,
                toDatabase.refused,
                toDatabase.refusalMillis,
                toDatabase.longestPauseMillis,
                back.refused,
                back.refusalMillis,
                back.longestPauseMillis);
        // before short leases became the default: 32 s and 31 s of refusals for a 35 s outage
        assertThat(toDatabase.refusalMillis)
                .as("refusal time on the switch to the database")
                .isLessThan(5_000);
        assertThat(back.refusalMillis).as("refusal time on the switch back").isLessThan(5_000);
    }

    /** Refusals, the time from the first to the last one, and the longest gap between grants, in [from, to) ms. */
    private Window window(long fromMillis, long toMillis) {
        long first = -1;
        long last = -1;
        int refused = 0;
        long previousGrant = fromMillis;
        long longestPause = 0;
        List<long[]> sorted = new ArrayList<>(outcomes);
        sorted.sort((x, y) -> Long.compare(x[0], y[0]));
        for (long[] outcome : sorted) {
            if (outcome[0] < fromMillis || outcome[0] >= toMillis) {
                continue;
            }
            if (outcome[1] == 1) {
                refused++;
                first = first < 0 ? outcome[0] : first;
                last = outcome[0];
            } else {
                longestPause = Math.max(longestPause, outcome[0] - previousGrant);
                previousGrant = outcome[0];
            }
        }
        return new Window(refused, first < 0 ? 0 : last - first, longestPause);
    }

    private record Window(int refused, long refusalMillis, long longestPauseMillis) {}

    private long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
    }

    private void work(Instance instance) {
        while (!stop.get()) {
            try (LockHandle handle = instance.locks.tryAcquire(KEY, WAIT, Duration.ofSeconds(30))) {
                int now = holders.incrementAndGet();
                maxHolders.accumulateAndGet(now, Math::max);
                long previous = lastToken.getAndSet(handle.fencingToken());
                if (handle.fencingToken() <= previous) {
                    tokenRegressions.incrementAndGet();
                }
                entered.incrementAndGet();
                instance.grants
                        .computeIfAbsent(instance.locks.activeBackend(), b -> new AtomicInteger())
                        .incrementAndGet();
                increment(instance.pool);
                holders.decrementAndGet();
                outcomes.add(new long[] {elapsedMillis(), 0});
            } catch (LockAcquisitionException | LockBackendException e) {
                unavailable.incrementAndGet(); // a refusal: measured, and expected only around a switch
                outcomes.add(new long[] {elapsedMillis(), 1});
                pause(20);
            } catch (Exception e) {
                unexpected.add(e);
                return;
            }
            pause(2);
        }
    }

    private void increment(HikariDataSource pool) throws Exception {
        try (Connection connection = pool.getConnection()) {
            long value;
            try (Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery("SELECT n FROM " + prefix + "account WHERE id = 'A-1'")) {
                row.next();
                value = row.getLong(1);
            }
            try (PreparedStatement update =
                    connection.prepareStatement("UPDATE " + prefix + "account SET n = ? WHERE id = 'A-1'")) {
                update.setLong(1, value + 1);
                update.executeUpdate();
            }
        }
    }

    private long counter() throws Exception {
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT n FROM " + prefix + "account WHERE id = 'A-1'")) {
            row.next();
            return row.getLong(1);
        }
    }

    private long grants(String backend) {
        return instances.stream()
                .mapToLong(each ->
                        each.grants.getOrDefault(backend, new AtomicInteger()).get())
                .sum();
    }

    /** Waits for the real servers and timers, bounded: the switches' timing is what this test measures. */
    private static void awaitTrue(String what, BooleanSupplier condition, int seconds) {
        await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /** One application instance: its own Redis client, pool, backends, breaker and metrics. */
    private final class Instance implements AutoCloseable {
        final String name;
        final RedisClient client;
        final HikariDataSource pool = pool(12);
        final MeterRegistry registry = new SimpleMeterRegistry();
        final ConcurrentMap<String, AtomicInteger> grants = new ConcurrentHashMap<>();
        final List<String> switches = new CopyOnWriteArrayList<>();
        final List<String> followed = new CopyOnWriteArrayList<>();
        final List<String> lost = new CopyOnWriteArrayList<>();
        final List<Alert> alerts = new CopyOnWriteArrayList<>();
        final ResilientLockStrategy locks;

        Instance(String name) {
            this.name = name;
            // Lettuce's defaults (reconnect back-off growing to 30 s): only the lock's
            // own reconnect delay bounds how soon it uses Redis again
            client = RedisClient.create(redis.uri());
            LockStrategy primary = RedisLockStrategies.builder(client)
                    .reconnectDelay(RECONNECT_DELAY)
                    .alerts(alerts::add)
                    .build();
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
                    .listener(LockListener.all(List.of(LockMetrics.create(registry), observe)))
                    .alerts(alerts::add)
                    .instanceName(name)
                    .build();
        }

        @Override
        public void close() {
            locks.close();
            client.shutdown();
            pool.close();
        }
    }
}
