package dev.ballast.bench.lock;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of one contended key under few and many waiters (issue 15 item 11): two lock strategy instances (each
 * with its own PostgreSQL pool or Redis client, as two application instances), {@code W} callers split between them,
 * each looping acquire (5 s wait, like the example's deposits) → a deposit-like transaction on PostgreSQL (an unlocked
 * read of a balance, {@code workMillis} of other work as {@code pg_sleep}, a write fenced by the token, a ledger row) →
 * release. With 4 ms of work a deposit costs about what the example's does (~100 per second at 8 callers). After a
 * warm-up, completed critical sections and refusals are counted for a fixed window; the balance is checked exact
 * afterwards (mutual exclusion).
 *
 * <p>It uses only the lock API that existed before local queueing, so the same source builds against the old code:
 * {@code scripts/lock-contention.sh} runs an old and a new build trial by trial, alternating which goes first, and
 * prints the paired ratios. One run of this class is one trial of one build:
 *
 * <p>{@code java -cp benchmarks.jar dev.ballast.bench.lock.LockContentionHarness <label> <backends> <waiters>
 * <warmupSeconds> <measureSeconds> [workMillis]}, e.g. {@code after jdbc,advisory,redis 8,400 4 5 4}. Each measurement prints one
 * line {@code RESULT label=.. backend=.. waiters=.. ops=.. perSecond=.. timeouts=.. exact=..}; timeouts counts every
 * refused call (lock busy for the whole wait, or no pooled connection in time).
 */
public final class LockContentionHarness {

    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofSeconds(10);

    private LockContentionHarness() {}

    public static void main(String[] args) throws Exception {
        String label = args[0];
        List<String> backends = List.of(args[1].split(","));
        List<Integer> waiterCounts = new ArrayList<>();
        for (String each : args[2].split(",")) {
            waiterCounts.add(Integer.parseInt(each));
        }
        Duration warmup = Duration.ofSeconds(Long.parseLong(args[3]));
        Duration window = Duration.ofSeconds(Long.parseLong(args[4]));
        double workSeconds = (args.length > 5 ? Integer.parseInt(args[5]) : 4) / 1000.0;
        for (String backend : backends) {
            for (int waiters : waiterCounts) {
                Result result = measure(backend, waiters, warmup, window, workSeconds);
                System.out.printf(
                        "RESULT label=%s backend=%s waiters=%d ops=%d perSecond=%.1f timeouts=%d exact=%s%n",
                        label,
                        backend,
                        waiters,
                        result.ops,
                        result.ops / (double) window.toSeconds(),
                        result.timeouts,
                        result.exact);
            }
        }
        System.exit(0); // the old code's renewal threads are not all daemons in every version
    }

    private record Result(long ops, long timeouts, boolean exact) {}

    private static Result measure(String backend, int waiters, Duration warmup, Duration window, double work)
            throws Exception {
        String table = "bench_contention_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String prefix = table + "_";
        List<AutoCloseable> closing = new ArrayList<>();
        try (HikariDataSource admin = pool(2)) {
            try (Connection connection = admin.getConnection();
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE " + table
                        + " (id VARCHAR(8) PRIMARY KEY, n BIGINT NOT NULL, fence BIGINT NOT NULL)");
                statement.execute("INSERT INTO " + table + " VALUES ('row', 0, 0)");
                statement.execute(
                        "CREATE TABLE " + table + "_ledger (token BIGINT PRIMARY KEY, amount BIGINT NOT NULL)");
            }
            try {
                List<LockStrategy> instances = new ArrayList<>();
                List<HikariDataSource> pools = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    HikariDataSource pool = pool(10);
                    closing.add(pool);
                    pools.add(pool);
                    LockStrategy locks = strategy(backend, pool, prefix, closing);
                    closing.add(locks);
                    instances.add(locks);
                }
                return run(instances, pools, new Deposit(table, work), waiters, warmup, window, admin);
            } finally {
                for (int i = closing.size() - 1; i >= 0; i--) {
                    closing.get(i).close();
                }
                try (Connection connection = admin.getConnection();
                        Statement statement = connection.createStatement()) {
                    for (String name : List.of(table, table + "_ledger", prefix + "lock", prefix + "lock_fence")) {
                        statement.execute("DROP TABLE IF EXISTS " + name);
                    }
                }
            }
        }
    }

    private static LockStrategy strategy(
            String backend, HikariDataSource pool, String prefix, List<AutoCloseable> closing) {
        return switch (backend) {
            case "jdbc" -> JdbcLockStrategies.create(pool, prefix, true, LockListener.none(), AlertSink.logging());
            case "advisory" ->
                SessionLockStrategies.create(pool, prefix, true, LockListener.none(), AlertSink.logging());
            case "redis" -> {
                RedisClient client = RedisClient.create(REDIS);
                closing.add(client::shutdown);
                yield RedisLockStrategies.create(client, LockListener.none(), AlertSink.logging());
            }
            default -> throw new IllegalArgumentException("unknown backend " + backend);
        };
    }

    private static Result run(
            List<LockStrategy> instances,
            List<HikariDataSource> pools,
            Deposit deposit,
            int waiters,
            Duration warmup,
            Duration window,
            HikariDataSource admin)
            throws Exception {
        String key = "bench:contention:" + UUID.randomUUID();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        AtomicLong timeouts = new AtomicLong();
        AtomicLong entered = new AtomicLong();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < waiters; w++) {
                LockStrategy locks = instances.get(w % 2);
                HikariDataSource pool = pools.get(w % 2);
                var unused = threads.submit(() -> {
                    while (!stop.get()) {
                        try (LockHandle handle = locks.tryAcquire(key, WAIT, LEASE)) {
                            entered.incrementAndGet();
                            deposit.run(pool, handle.fencingToken());
                            if (measuring.get()) {
                                ops.incrementAndGet();
                            }
                        } catch (LockAcquisitionException | LockBackendException e) {
                            if (measuring.get()) {
                                timeouts.incrementAndGet(); // a refusal: busy, or the pool had no connection in time
                            }
                        }
                    }
                    return null;
                });
            }
            TimeUnit.MILLISECONDS.sleep(warmup.toMillis());
            measuring.set(true);
            TimeUnit.MILLISECONDS.sleep(window.toMillis());
            measuring.set(false);
            stop.set(true);
        }
        return new Result(ops.get(), timeouts.get(), counter(admin, deposit.table) == entered.get());
    }

    /** The guarded work: one deposit, in one transaction. */
    private record Deposit(String table, double workSeconds) {

        void run(HikariDataSource pool, long token) throws Exception {
            FencedWrite fenced = FencedWrite.of(table, "id", "fence", "n");
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
                    try (PreparedStatement work = connection.prepareStatement("SELECT pg_sleep(?)")) {
                        work.setDouble(1, workSeconds);
                        work.execute();
                    }
                    fenced.apply(connection, "row", token, value + 1);
                    try (PreparedStatement ledger =
                            connection.prepareStatement("INSERT INTO " + table + "_ledger VALUES (?, 1)")) {
                        ledger.setLong(1, token);
                        ledger.executeUpdate();
                    }
                    connection.commit();
                } catch (Exception e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
            }
        }
    }

    private static long counter(HikariDataSource admin, String table) throws Exception {
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT n FROM " + table + " WHERE id = 'row'")) {
            row.next();
            return row.getLong(1);
        }
    }

    private static HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(JDBC);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(30_000);
        return new HikariDataSource(config);
    }
}
