package dev.ballast.lock;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.jdbc.SessionLockStrategies;
import dev.ballast.lock.redis.RedisLockStrategies;
import io.lettuce.core.RedisClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 11: 400 concurrent callers on one key over two strategy instances (each with its own connection pool
 * or Redis client, as two application instances would have) must not collapse. Before waiters queued locally, every
 * waiter polled the backend and all woke on a release: most of 400 timed out. Now each instance has one contender per
 * key and hands the lock on locally, so every caller whose turn comes within its wait gets the lock, and mutual
 * exclusion holds: each caller does what a deposit does, in one transaction: an unlocked read of a PostgreSQL balance, a
 * write of it fenced by its token, and a ledger row; the count is exact, every fenced write applies, and at most one
 * caller is ever inside. (On the code before local queueing, these callers did not all get the lock within the 5 s
 * wait.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockContentionIT {

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/test";
    private static final int CALLERS = 400;
    /** The example's deposits wait 5 s; at ~150 per second every one of the 400 turns comes within it. */
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final String table =
            "contention_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final String prefix = table + "_";
    private final List<AutoCloseable> resources = new ArrayList<>();
    private HikariDataSource admin;

    @BeforeEach
    void createCounter() throws Exception {
        admin = pool(4);
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(
                    "CREATE TABLE " + table + " (id VARCHAR(8) PRIMARY KEY, n BIGINT NOT NULL, fence BIGINT NOT NULL)");
            statement.execute("INSERT INTO " + table + " VALUES ('row', 0, 0)");
            statement.execute("CREATE TABLE " + table + "_ledger (token BIGINT PRIMARY KEY, amount BIGINT NOT NULL)");
        }
    }

    @AfterEach
    void dropAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement()) {
            List<String> names = new ArrayList<>(List.of(table, table + "_ledger"));
            names.addAll(JdbcLockStrategies.tableNames(prefix));
            names.addAll(SessionLockStrategies.tableNames(prefix));
            for (String name : names) {
                statement.execute("DROP TABLE IF EXISTS " + name);
            }
        }
        admin.close();
        try (HikariDataSource mariadb = pool(MARIADB, "root", 1);
                Connection connection = mariadb.getConnection();
                Statement statement = connection.createStatement()) {
            for (String name : SessionLockStrategies.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + name);
            }
        }
    }

    @Test
    void fourHundredCallersOnTheJdbcTableOverTwoInstancesAllGetTheLockInTurn() throws Exception {
        runContention(pool -> JdbcLockStrategies.builder(pool, prefix, true).build());
    }

    @Test
    void fourHundredCallersOnPostgresAdvisoryLocksOverTwoInstancesAllGetTheLockInTurn() throws Exception {
        runContention(pool -> SessionLockStrategies.builder(pool, prefix, true).build());
    }

    /** MariaDB's GET_LOCK as the lock, its fence table on MariaDB; the balance stays on PostgreSQL. */
    @Test
    void fourHundredCallersOnMariaDbNamedLocksOverTwoInstancesAllGetTheLockInTurn() throws Exception {
        runContention(pool -> {
            HikariDataSource mariadb = pool(MARIADB, "root", 8);
            resources.add(mariadb);
            return SessionLockStrategies.builder(mariadb, prefix, true).build();
        });
    }

    @Test
    void fourHundredCallersOnRedisOverTwoInstancesAllGetTheLockInTurn() throws Exception {
        runContention(pool -> {
            RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
            resources.add(client::shutdown);
            return RedisLockStrategies.create(client, LockListener.none(), AlertSink.logging());
        });
    }

    private void runContention(Function<HikariDataSource, LockStrategy> instance) throws Exception {
        List<LockStrategy> instances = new ArrayList<>();
        List<HikariDataSource> pools = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HikariDataSource pool = pool(8);
            resources.add(pool);
            pools.add(pool);
            LockStrategy locks = instance.apply(pool);
            resources.add(locks);
            instances.add(locks);
        }
        String key = "account:" + UUID.randomUUID();
        FencedWrite fenced = FencedWrite.of(table, "id", "fence", "n");
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        AtomicInteger refusedFencedWrites = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> callers = new ArrayList<>();
        long began;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CALLERS; c++) {
                LockStrategy locks = instances.get(c % 2);
                HikariDataSource pool = pools.get(c % 2);
                callers.add(threads.submit(() -> {
                    start.await();
                    try (LockHandle handle = locks.tryAcquire(key, WAIT, Duration.ofSeconds(10))) {
                        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        if (!incrementFenced(pool, fenced, handle.fencingToken())) {
                            refusedFencedWrites.incrementAndGet();
                        }
                        inside.decrementAndGet();
                        return handle.fencingToken();
                    }
                }));
            }
            began = System.nanoTime();
            start.countDown();
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        List<Long> tokens = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (Future<Long> caller : callers) {
            try {
                tokens.add(caller.get());
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(e.getCause());
            }
        }
        System.out.printf(
                "%s: %d callers over 2 instances served in %d ms (%.0f/s)%n",
                instances.get(0).backend(), CALLERS, elapsedMillis, CALLERS * 1000.0 / Math.max(1, elapsedMillis));
        assertThat(failures).as("callers refused within %s", WAIT).isEmpty();
        assertThat(mostInside.get()).as("callers inside at once").isEqualTo(1);
        assertThat(refusedFencedWrites.get()).as("fenced writes refused").isZero();
        assertThat(counter()).as("unlocked read-modify-write count").isEqualTo(CALLERS);
        assertThat(tokens).doesNotHaveDuplicates();
    }

    /**
     * A deposit: an unlocked read of the balance, 4 ms of other work, a write fenced by the token and a ledger row, in
     * one transaction (about what the example's deposit costs: ~100 per second at 8 concurrent callers).
     */
    private boolean incrementFenced(HikariDataSource pool, FencedWrite fenced, long token) throws Exception {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try {
                long value;
                try (PreparedStatement read =
                                connection.prepareStatement("SELECT n FROM " + table + " WHERE id = 'row'");
                        ResultSet row = read.executeQuery()) {
                    row.next();
                    value = row.getLong(1);
                }
                try (Statement work = connection.createStatement()) {
                    work.execute("SELECT pg_sleep(0.004)"); // the rest of a deposit's work in the database: ~4 ms
                }
                boolean applied = fenced.apply(connection, "row", token, value + 1);
                try (PreparedStatement ledger =
                        connection.prepareStatement("INSERT INTO " + table + "_ledger VALUES (?, 1)")) {
                    ledger.setLong(1, token);
                    ledger.executeUpdate();
                }
                connection.commit();
                return applied;
            } catch (Exception e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private long counter() throws Exception {
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT n FROM " + table + " WHERE id = 'row'")) {
            row.next();
            return row.getLong(1);
        }
    }

    private static HikariDataSource pool(int size) {
        return pool(JDBC, "postgres", size);
    }

    private static HikariDataSource pool(String url, String user, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }
}
