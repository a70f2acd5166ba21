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
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * gruelbox transaction-outbox 4.2.268 with {@code workers} worker threads; see {@link GruelboxDrain} for how the
 * backlog is held and drained (its production path: {@code flush()} submits due rows to the submitter's workers, each
 * row its own transaction that locks, invokes and deletes it). Window: from the first {@code flush()} to the last
 * invocation.
 */
@SuppressWarnings("try") // close() may be interrupted; resources only held open are unreferenced
final class GruelboxDrainSubject implements DrainSubject {

    private static final Clock AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));

    private final int workers;
    private HikariDataSource pool;
    private ThreadLocalContextTransactionManager transactions;
    private int backlog;

    GruelboxDrainSubject(int workers) {
        this.workers = workers;
    }

    @Override
    public void prepare(int backlog, Durability durability) throws Exception {
        this.backlog = backlog;
        DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(durability.url());
        config.setUsername("postgres");
        config.setMaximumPoolSize(20);
        config.setAutoCommit(false);
        pool = new HikariDataSource(config);
        transactions = TransactionManager.fromDataSource(pool);
        TransactionOutbox holding = BacklogDrains.holding(transactions);
        Backlog.fill(
                backlog,
                id -> transactions.inTransaction(() -> holding.schedule(GruelboxDrain.Publisher.class)
                        .publish(
                                "O-" + (id % 1000),
                                "{\"orderId\":\"" + UUID.randomUUID() + "\",\"accountId\":\"A-" + (id % 1000)
                                        + "\",\"symbol\":\"005930\",\"side\":\"BUY\",\"quantity\":10,"
                                        + "\"price\":\"71200.00\"}")));
        DrainSubject.execute("VACUUM ANALYZE TXNO_OUTBOX");
    }

    @Override
    public double drain() throws Exception {
        GruelboxDrain.CountingPublisher publisher = new GruelboxDrain.CountingPublisher();
        ThreadPoolExecutor threads =
                new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
        try {
            TransactionOutbox draining = TransactionOutbox.builder()
                    .transactionManager(transactions)
                    .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                    .instantiator(Instantiator.using(type -> publisher))
                    .submitter(Submitter.withExecutor(threads))
                    .clockProvider(() -> AHEAD)
                    .build();
            long start = System.nanoTime();
            while (draining.flush()) {
                // a scheduler with no pause: flush until nothing is due
            }
            DrainSubject.await(() -> publisher.published.get() >= backlog, "gruelbox");
            return (publisher.lastNanos - start) / 1e9;
        } finally {
            threads.shutdown();
            threads.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    @Override
    public void close() throws Exception {
        if (pool != null) {
            pool.close();
        }
        DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
    }
}
