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
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The drain of a backlog to a broker, the same for every broker: each peer's backlog written through its own append
 * path (8 threads), {@code VACUUM ANALYZE}, the consumer joined, then the window from the start of the drain until the
 * consumer has read the last event. {@link KafkaDeliverySuite} and {@link RabbitDrain} differ only in the publisher
 * and the consumer they pass.
 */
@SuppressWarnings("try") // relays and consumers opened for their effect; their close() may wait
final class BacklogDrains {

    /** gruelbox's clock while draining: ten minutes ahead, so that every scheduled call is due at once. */
    private static final Clock AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));

    private BacklogDrains() {}

    /**
     * Ballast's relay (1 thread, waves of 100 aggregates by 50 events, no LISTEN, synchronous commits) draining a
     * backlog in tables of {@code prefix}; events per second. Drops the tables afterwards.
     */
    static double ballast(
            HikariDataSource pool,
            String prefix,
            OutboxPublisher publisher,
            int events,
            int perTransaction,
            LastRead.Opener consumer)
            throws Exception {
        Outbox outbox =
                Outbox.builder(pool).tablePrefix(prefix).createSchema(true).build();
        try {
            fillBallast(pool, outbox, events, perTransaction);
            DrainSubject.execute(
                    "VACUUM ANALYZE " + prefix + "outbox", "VACUUM ANALYZE " + prefix + "outbox_aggregate");
            try (LastRead reader = consumer.open()) {
                long start = System.nanoTime();
                try (OutboxRelay relay = outbox.relay(publisher)
                        .threads(1)
                        .batchAggregates(100)
                        .maxPerAggregate(50)
                        .pollInterval(Duration.ofMillis(100))
                        .listen(false)
                        .asynchronousCommit(false)
                        .build()
                        .start()) {
                    return events / ((reader.awaitLast() - start) / 1e9);
                }
            }
        } finally {
            OutboxHarness.dropAll(pool, prefix);
        }
    }

    /**
     * gruelbox transaction-outbox with 4 workers draining a backlog of scheduled calls, each call running a publisher
     * from {@code sending} (which sends and waits for the broker's acknowledgement); events per second. Its tables are
     * dropped before and after.
     */
    static double gruelbox(
            int events, int perTransaction, Supplier<GruelboxDrain.Publisher> sending, LastRead.Opener consumer)
            throws Exception {
        DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
        try (HikariDataSource gruelboxPool = gruelboxPool()) {
            ThreadLocalContextTransactionManager transactions = TransactionManager.fromDataSource(gruelboxPool);
            fillGruelbox(transactions, events, perTransaction);
            DrainSubject.execute("VACUUM ANALYZE TXNO_OUTBOX");
            ThreadPoolExecutor workers =
                    new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
            try (LastRead reader = consumer.open()) {
                TransactionOutbox draining = TransactionOutbox.builder()
                        .transactionManager(transactions)
                        .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                        .instantiator(Instantiator.using(type -> sending.get()))
                        .submitter(Submitter.withExecutor(workers))
                        .clockProvider(() -> AHEAD)
                        .build();
                long start = System.nanoTime();
                while (draining.flush()) {
                    // a scheduler with no pause: flush until nothing is due
                }
                return events / ((reader.awaitLast() - start) / 1e9);
            } finally {
                workers.shutdown();
                workers.awaitTermination(1, TimeUnit.MINUTES);
                DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
            }
        }
    }

    /** Ballast's backlog: 8 threads, {@code perTransaction} appends per transaction. */
    static void fillBallast(HikariDataSource pool, Outbox outbox, int events, int perTransaction) throws Exception {
        Backlog.fill(events, perTransaction, (first, last) -> {
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                for (long n = first; n <= last; n++) {
                    outbox.append(connection, DeliveryEvents.event(n));
                }
                connection.commit();
            }
        });
    }

    /** gruelbox's backlog: calls scheduled through an outbox that never runs them, {@code perTransaction} each. */
    static void fillGruelbox(ThreadLocalContextTransactionManager transactions, int events, int perTransaction)
            throws Exception {
        TransactionOutbox holding = holding(transactions);
        Backlog.fill(
                events,
                perTransaction,
                (first, last) -> transactions.inTransaction(() -> {
                    for (long n = first; n <= last; n++) {
                        holding.schedule(GruelboxDrain.Publisher.class)
                                .publish("O-" + (n % 1000), DeliveryEvents.json(n));
                    }
                }));
    }

    /**
     * A gruelbox outbox that only schedules: its calls stay in the table (a submitter that does nothing, an
     * instantiator that refuses), for a backlog another outbox drains.
     */
    static TransactionOutbox holding(ThreadLocalContextTransactionManager transactions) {
        return TransactionOutbox.builder()
                .transactionManager(transactions)
                .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                .instantiator(Instantiator.using(type -> {
                    throw new IllegalStateException("the holding outbox never runs a call");
                }))
                .submitter((entry, work) -> {})
                .build();
    }

    /** gruelbox's pool on the machine's PostgreSQL, synchronous_commit on: 20 connections, auto-commit off. */
    static HikariDataSource gruelboxPool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(Durability.ON.url());
        config.setUsername("postgres");
        config.setMaximumPoolSize(20);
        config.setAutoCommit(false);
        return new HikariDataSource(config);
    }
}
