package dev.ballast.bench.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.PublishResult;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Outbox throughput and latency on the machine's PostgreSQL, printed as tables (issue 5, point 18):
 *
 * <ol>
 *   <li>append: 8 threads, one event per transaction, for Ballast {@code append} and for the physical limit, a raw
 *       JDBC insert of the same row into a table of the same shape; alternating trials, medians and ratio;
 *   <li>drain: a backlog of N events over 1,000 aggregates published by a relay whose publisher acks at once;
 *   <li>commit-to-publish latency at a steady 1,000 events/s with LISTEN/NOTIFY (commit returned to publisher
 *       called, both on this JVM's clock).
 * </ol>
 *
 * <p>The old harness, kept so that docs/benchmarks.md can show it against the fair one ({@link OutboxSuite}): it
 * always ran raw before Ballast, and the drain ran the relay with asynchronous commits after a {@code VACUUM ANALYZE}
 * the peers did not get, timed to a 20 ms poll. Its size (over the 350-line guide) is earned by that role: it is kept
 * as it ran, so that the figures docs/benchmarks.md shows from it can be reproduced; new work goes to the fair suites.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.outbox.OutboxHarness [trials]
 * [appendSeconds] [backlog] [latencySeconds] [parts: append,drain,latency]}.
 */
public final class OutboxHarness {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final int THREADS = 8;
    private static final byte[] PAYLOAD =
            ("{\"orderId\":\"7f1c0e2a-0000-4000-8000-000000000000\",\"accountId\":\"A-1\","
                            + "\"symbol\":\"005930\",\"side\":\"BUY\",\"quantity\":10,\"price\":\"71200.00\"}")
                    .getBytes(StandardCharsets.UTF_8);

    private OutboxHarness() {}

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int appendSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int backlog = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
        int latencySeconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        String parts = args.length > 4 ? args[4] : "append,drain,latency";
        try (HikariDataSource pool = pool()) {
            if (parts.contains("append")) {
                appendTable(pool, trials, appendSeconds);
            }
            if (parts.contains("drain")) {
                drain(pool, backlog);
            }
            if (parts.contains("latency")) {
                latency(pool, latencySeconds);
            }
        }
    }

    // ---- (a) and (b)

    private static void appendTable(HikariDataSource pool, int trials, int seconds) throws Exception {
        double[] raw = new double[trials];
        double[] ballast = new double[trials];
        for (int trial = -1; trial < trials; trial++) { // trial -1 warms both up
            String prefix = "bench" + UUID.randomUUID().toString().substring(0, 6) + "_";
            Outbox outbox =
                    Outbox.builder(pool).tablePrefix(prefix).createSchema(true).build();
            execute(pool, "CREATE TABLE " + prefix + "raw (LIKE " + prefix + "outbox INCLUDING ALL)");
            double r = throughput(pool, seconds, (connection, n) -> rawInsert(connection, prefix, n));
            double b = throughput(pool, seconds, (connection, n) -> outbox.append(connection, event(n)));
            if (trial >= 0) {
                raw[trial] = r;
                ballast[trial] = b;
                System.out.printf("append trial %d: raw %.0f/s, ballast %.0f/s (%.2fx)%n", trial, r, b, b / r);
            }
            dropAll(pool, prefix);
        }
        System.out.println();
        System.out.println("| subject (8 threads, 1 event per transaction) | events/s, median of " + trials
                + " | min-max | ratio to raw |");
        System.out.println("|---|---|---|---|");
        row("raw JDBC insert of the same row (physical limit)", raw, median(raw));
        row("Ballast Outbox.append", ballast, median(raw));
        System.out.println();
    }

    private static void row(String name, double[] values, double reference) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "| %s | %.0f | %.0f-%.0f | %.2fx |%n",
                name, median(values), sorted[0], sorted[sorted.length - 1], median(values) / reference);
    }

    @FunctionalInterface
    interface Work {
        void run(Connection connection, long n) throws Exception;
    }

    static double throughput(HikariDataSource pool, int seconds, Work work) throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicLong sequence = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < THREADS; t++) {
            futures.add(threads.submit(() -> {
                try (Connection connection = pool.getConnection()) {
                    connection.setAutoCommit(false);
                    while (System.nanoTime() - end < 0) {
                        work.run(connection, sequence.incrementAndGet());
                        connection.commit();
                        done.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        threads.shutdown();
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    static void rawInsert(Connection connection, String prefix, long n) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + prefix + "raw (event_id,"
                + " request_id, request_hash, aggregate_type, aggregate_id, aggregate_seq, event_type, payload,"
                + " headers, content_hash, created_at, status, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " clock_timestamp(), 'PENDING', 0)")) {
            insert.setString(1, UUID.randomUUID().toString());
            insert.setString(2, "r-" + n);
            insert.setString(3, "0".repeat(64));
            insert.setString(4, "Order");
            insert.setString(5, "O-" + (n % 1000));
            insert.setLong(6, n);
            insert.setString(7, "OrderPlaced");
            insert.setBytes(8, PAYLOAD);
            insert.setString(9, "{}");
            insert.setString(10, "0".repeat(64));
            insert.executeUpdate();
        }
    }

    static OutboxEvent event(long n) {
        return OutboxEvent.of("r-" + n, "Order", "O-" + (n % 1000), "OrderPlaced", PAYLOAD);
    }

    // ---- (c)

    @SuppressWarnings("try") // the relay only has to run while the backlog drains
    private static void drain(HikariDataSource pool, int backlog) throws Exception {
        String prefix = "bench" + UUID.randomUUID().toString().substring(0, 6) + "_";
        Outbox outbox =
                Outbox.builder(pool).tablePrefix(prefix).createSchema(true).build();
        throughput(pool, 1, (connection, n) -> outbox.append(connection, event(n))); // warm the append path
        AtomicLong appended = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        AtomicLong sequence = new AtomicLong(10_000_000);
        for (int t = 0; t < THREADS; t++) {
            futures.add(threads.submit(() -> {
                try (Connection connection = pool.getConnection()) {
                    connection.setAutoCommit(false);
                    while (appended.incrementAndGet() <= backlog) {
                        outbox.append(connection, event(sequence.incrementAndGet()));
                        connection.commit();
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        threads.shutdown();
        long pending = count(pool, "SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'");
        AtomicLong published = new AtomicLong();
        OutboxPublisher ack = batch -> {
            published.addAndGet(batch.size());
            return batch.stream().map(message -> PublishResult.published()).toList();
        };
        System.out.println("| relay drain of a " + pending + "-event backlog (1,000 aggregates, ack at once) |"
                + " threads | seconds | events/s |");
        System.out.println("|---|---|---|---|");
        for (int relayThreads : new int[] {1, 4}) {
            execute(pool, "UPDATE " + prefix + "outbox SET status = 'PENDING', published_at = NULL, attempts = 0");
            execute(
                    pool,
                    "UPDATE " + prefix + "outbox_aggregate a SET pending = (SELECT COUNT(*) FROM " + prefix
                            + "outbox e WHERE e.aggregate_type = a.aggregate_type AND e.aggregate_id = a.aggregate_id),"
                            + " next_attempt_at = clock_timestamp(), claimed_to_seq = 0, lease_owner = NULL,"
                            + " lease_until = NULL");
            execute(pool, "VACUUM ANALYZE " + prefix + "outbox");
            execute(pool, "VACUUM ANALYZE " + prefix + "outbox_aggregate");
            published.set(0);
            long start = System.nanoTime();
            long end;
            try (OutboxRelay relay = outbox.relay(ack)
                    .threads(relayThreads)
                    .batchAggregates(100)
                    .maxPerAggregate(50)
                    .pollInterval(Duration.ofMillis(20))
                    .listen(false)
                    .build()
                    .start()) {
                while (count(pool, "SELECT COALESCE(SUM(pending), 0) FROM " + prefix + "outbox_aggregate") > 0) {
                    Thread.sleep(20);
                }
                end = System.nanoTime(); // before close(), which waits for the workers to stop
            }
            double seconds = (end - start) / 1e9;
            System.out.printf("| Ballast relay | %d | %.1f | %.0f |%n", relayThreads, seconds, pending / seconds);
        }
        System.out.println();
        dropAll(pool, prefix);
    }

    // ---- (d)

    @SuppressWarnings("try") // the relay only has to run while events are appended
    private static void latency(HikariDataSource pool, int seconds) throws Exception {
        String prefix = "bench" + UUID.randomUUID().toString().substring(0, 6) + "_";
        Outbox outbox =
                Outbox.builder(pool).tablePrefix(prefix).createSchema(true).build();
        Map<String, Long> committedAt = new ConcurrentHashMap<>();
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        int warmUp = 5; // seconds of the same load first, not measured: the relay and append paths get compiled
        long[] slowPerSecond = new long[warmUp + seconds + 5]; // per second of the run: publishes that took > 50 ms
        long[] origin = {System.nanoTime()};
        OutboxPublisher record = batch -> {
            long now = System.nanoTime();
            List<PublishResult> results = new ArrayList<>(batch.size());
            for (var message : batch) {
                Long committed = committedAt.remove(message.eventId());
                if (committed != null) {
                    if (committed - origin[0] >= TimeUnit.SECONDS.toNanos(warmUp)) {
                        latencies.add(now - committed);
                    }
                    int second = (int) ((committed - origin[0]) / 1_000_000_000L);
                    if (now - committed > 50_000_000L && second >= 0 && second < slowPerSecond.length) {
                        synchronized (slowPerSecond) {
                            slowPerSecond[second]++;
                        }
                    }
                }
                results.add(PublishResult.published());
            }
            return results;
        };
        int rate = 1000;
        int appenders = 4;
        try (OutboxRelay relay = outbox.relay(record)
                .threads(2)
                .pollInterval(Duration.ofMillis(500))
                .build()
                .start()) {
            Thread.sleep(500);
            CountDownLatch finished = new CountDownLatch(appenders);
            AtomicLong sequence = new AtomicLong(20_000_000);
            long start = System.nanoTime();
            origin[0] = start;
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) * appenders / rate;
            for (int a = 0; a < appenders; a++) {
                long offset = intervalNanos * a / appenders;
                Thread.ofPlatform().start(() -> {
                    try (Connection connection = pool.getConnection()) {
                        connection.setAutoCommit(false);
                        for (long next = start + offset;
                                next - start < TimeUnit.SECONDS.toNanos(warmUp + seconds);
                                next += intervalNanos) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                            String id = outbox.append(connection, event(sequence.incrementAndGet()))
                                    .eventId();
                            committedAt.put(id, System.nanoTime()); // recorded before commit returns: never late
                            connection.commit();
                            committedAt.computeIfPresent(id, (k, v) -> System.nanoTime());
                            outbox.afterCommit(); // what the Spring starter does after every commit
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    } finally {
                        finished.countDown();
                    }
                });
            }
            finished.await();
            Thread.sleep(1000);
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.println("| commit-to-publish at " + rate + " events/s for " + seconds + " s after " + warmUp
                + " s warm-up (PostgreSQL,"
                + " LISTEN/NOTIFY, poll 500 ms) | events | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|");
        System.out.printf(
                "| Ballast relay, 2 threads | %d | %.1f | %.1f | %.1f |%n",
                sorted.length,
                sorted[sorted.length / 2] / 1e6,
                sorted[(int) (sorted.length * 0.99)] / 1e6,
                sorted[sorted.length - 1] / 1e6);
        System.out.println(
                "events over 50 ms, by second of the run (warm-up included): " + Arrays.toString(slowPerSecond));
        dropAll(pool, prefix);
    }

    // ---- helpers

    static HikariDataSource pool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(URL);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(20);
        return new HikariDataSource(config);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static void execute(HikariDataSource pool, String sql) throws SQLException {
        try (Connection connection = pool.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long count(HikariDataSource pool, String sql) throws SQLException {
        try (Connection connection = pool.getConnection();
                Statement statement = connection.createStatement();
                var row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    /** Drops what a run created: the raw table and every table of the outbox schema. */
    static void dropAll(HikariDataSource pool, String prefix) throws SQLException {
        execute(pool, "DROP TABLE IF EXISTS " + prefix + "raw");
        for (String table : Outbox.tableNames(prefix)) {
            execute(pool, "DROP TABLE IF EXISTS " + table);
        }
    }
}
