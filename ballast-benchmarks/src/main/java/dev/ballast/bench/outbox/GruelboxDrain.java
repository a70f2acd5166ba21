package dev.ballast.bench.outbox;

import com.gruelbox.transactionoutbox.Dialect;
import com.gruelbox.transactionoutbox.Instantiator;
import com.gruelbox.transactionoutbox.Persistor;
import com.gruelbox.transactionoutbox.Submitter;
import com.gruelbox.transactionoutbox.ThreadLocalContextTransactionManager;
import com.gruelbox.transactionoutbox.TransactionManager;
import com.gruelbox.transactionoutbox.TransactionOutbox;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gruelbox transaction-outbox (4.2.268, the newest version Maven Central serves here) peer of {@link
 * OutboxHarness}'s drain, on the same PostgreSQL. gruelbox records method calls: the "publish" is a call of {@link
 * Publisher#publish} with the aggregate key and the event's JSON, which acks at once.
 *
 * <p>Backlog: N calls scheduled by 8 threads, one per transaction, over 1,000 keys, through an outbox whose submitter
 * drops the post-commit attempt (so every row stays in the table). Drain: a second outbox with the
 * library's defaults for the rest (2-minute attempt frequency, 4,096-row flush batch, PostgreSQL dialect with {@code
 * SKIP LOCKED}) and a submitter on 1, then 4, worker threads with an unbounded queue (the default's 16,384-entry queue
 * would push what does not fit back by the attempt frequency); one thread calls {@code flush()} until it finds
 * nothing due, as a scheduler would with no pause. Each row is then processed the library's way: its own transaction
 * that locks it, invokes the method and deletes it. gruelbox 4.x has no per-aggregate ordering, so it does less than
 * Ballast's relay here. Reported: from the first {@code flush()} to the last publish. Tables ({@code TXNO_OUTBOX},
 * {@code TXNO_VERSION}) are dropped before and after.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.outbox.GruelboxDrain [backlog]}.
 */
public final class GruelboxDrain {

    private GruelboxDrain() {}

    private static final Clock AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));

    /** What gruelbox invokes for each row; acks at once. */
    public interface Publisher {
        void publish(String aggregateId, String eventJson);
    }

    static final class CountingPublisher implements Publisher {
        final AtomicLong published = new AtomicLong();
        volatile long lastNanos;

        @Override
        public void publish(String aggregateId, String eventJson) {
            published.incrementAndGet();
            lastNanos = System.nanoTime();
        }
    }

    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
        config.setUsername("postgres");
        config.setMaximumPoolSize(20);
        config.setAutoCommit(false);
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            dropTables(dataSource);
            System.out.println("| gruelbox transaction-outbox 4.2.268 drain of a " + backlog
                    + "-call backlog | seconds | events/s |");
            System.out.println("|---|---|---|");
            for (int threads : new int[] {1, 4}) {
                ThreadLocalContextTransactionManager transactions = TransactionManager.fromDataSource(dataSource);
                schedule(transactions, backlog);
                CountingPublisher publisher = new CountingPublisher();
                ThreadPoolExecutor workers =
                        new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
                TransactionOutbox draining = TransactionOutbox.builder()
                        .transactionManager(transactions)
                        .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                        .instantiator(Instantiator.using(type -> publisher))
                        .submitter(Submitter.withExecutor(workers))
                        // rows are due 2 minutes after scheduling (the library's attempt frequency, which it checks
                        // is in the future when scheduling): the draining outbox's clock runs 10 minutes ahead
                        .clockProvider(() -> AHEAD)
                        .build();
                long start = System.nanoTime();
                int flushes = 0;
                while (draining.flush()) {
                    flushes++;
                }
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
                while (publisher.published.get() < backlog && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                workers.shutdown();
                double seconds = (publisher.lastNanos - start) / 1e9;
                System.out.printf(
                        "| gruelbox 4.2.268, %d worker thread%s (%d flushes) | %.1f | %.0f |%n",
                        threads, threads == 1 ? "" : "s", flushes, seconds, publisher.published.get() / seconds);
                System.out.println("published: " + publisher.published.get() + ", rows left: "
                        + ModulithDrain.count(dataSource, "SELECT COUNT(*) FROM TXNO_OUTBOX"));
                workers.awaitTermination(1, TimeUnit.MINUTES);
            }
            dropTables(dataSource);
        }
    }

    /** Schedules {@code backlog} calls that stay in the table, due two minutes later. */
    private static void schedule(ThreadLocalContextTransactionManager transactions, int backlog) throws Exception {
        TransactionOutbox holding = BacklogDrains.holding(transactions);
        Backlog.fill(
                backlog,
                id -> transactions.inTransaction(() -> holding.schedule(Publisher.class)
                        .publish(
                                "O-" + (id % 1000),
                                "{\"orderId\":\"" + UUID.randomUUID() + "\",\"accountId\":\"A-" + (id % 1000)
                                        + "\",\"symbol\":\"005930\",\"side\":\"BUY\",\"quantity\":10,"
                                        + "\"price\":\"71200.00\"}")));
    }

    private static void dropTables(HikariDataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
            connection.commit();
        }
    }
}
