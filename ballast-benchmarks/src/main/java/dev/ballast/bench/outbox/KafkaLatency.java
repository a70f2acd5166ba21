package dev.ballast.bench.outbox;

import com.gruelbox.transactionoutbox.Dialect;
import com.gruelbox.transactionoutbox.Instantiator;
import com.gruelbox.transactionoutbox.Persistor;
import com.gruelbox.transactionoutbox.Submitter;
import com.gruelbox.transactionoutbox.ThreadLocalContextTransactionManager;
import com.gruelbox.transactionoutbox.TransactionManager;
import com.gruelbox.transactionoutbox.TransactionOutbox;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.bench.fair.Stats;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.kafka.KafkaOutboxPublisher;
import dev.ballast.test.KafkaBroker;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@link KafkaDeliverySuite}'s latency part (issue 11, point 8): 4 appenders commit one event per transaction at
 * {@code rate}/s in total for {@code seconds}; commit-to-consume latency (from the commit's return to the consumer's
 * read, one JVM clock). Ballast's relay with its production defaults (1 thread, woken by {@link Outbox#afterCommit()}
 * after each commit, as the Spring starter does, LISTEN/NOTIFY across JVMs) against gruelbox submitting each call
 * right after the commit (its normal path) to 4 workers. Goal: Ballast p99 &lt; 25 ms.
 */
@SuppressWarnings("try") // consumers and relays opened for their effect; their close() may wait (InterruptedException)
final class KafkaLatency {

    private KafkaLatency() {}

    static void run(Report report, HikariDataSource pool, KafkaBroker kafka, int trials, int rate, int seconds)
            throws Exception {
        System.out.println();
        System.out.println("## commit-to-consume latency through Kafka at " + rate + " events/s for " + seconds
                + " s, 4 appenders, synchronous_commit on");
        List<String> subjects = List.of("ballast-relay", "gruelbox-4-workers");
        Results results = PairedTrials.run("latency through Kafka", subjects, trials, 1, (subject, trial) -> {
            String topic = "lat-" + UUID.randomUUID();
            kafka.createTopic(topic, 6);
            int s = trial < 0 ? Math.max(3, seconds / 3) : seconds;
            double[] ms = subject.equals("ballast-relay")
                    ? ballastLatency(pool, kafka, topic, rate, s)
                    : gruelboxLatency(kafka, topic, rate, s);
            Arrays.sort(ms);
            Map<String, Double> metrics = new HashMap<>();
            metrics.put("p50 ms", percentile(ms, 0.50));
            metrics.put("p99 ms", percentile(ms, 0.99));
            metrics.put("max ms", ms[ms.length - 1]);
            return metrics;
        });
        for (String metric : List.of("p50 ms", "p99 ms", "max ms")) {
            report.table(results, metric, "milliseconds", "gruelbox-4-workers");
        }
        report.chart(
                "kafka-latency",
                "Commit-to-consume latency through Kafka at " + rate + " events/s",
                "ms",
                results,
                List.of("p50 ms", "p99 ms"));
        double[] p99 = results.values("ballast-relay", "p99 ms");
        int under = 0;
        for (double v : p99) {
            if (v < 25) {
                under++;
            }
        }
        double median = Stats.median(p99);
        report.claim(new Results.Claim(
                "point 8: Ballast commit-to-consume p99 < 25 ms at " + rate + " events/s (value in ms, not a ratio)",
                median,
                Stats.min(p99),
                Stats.max(p99),
                under,
                p99.length,
                median < 25));
        report.claim(results.claim(
                "Ballast p99 <= gruelbox p99", "ballast-relay", "gruelbox-4-workers", "p99 ms", r -> r <= 1));
    }

    private static double[] ballastLatency(
            HikariDataSource pool, KafkaBroker kafka, String topic, int rate, int seconds) throws Exception {
        String p = "kl" + UUID.randomUUID().toString().substring(0, 6) + "_";
        Outbox outbox = Outbox.builder(pool).tablePrefix(p).createSchema(true).build();
        try (KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder(KafkaSending.producerConfig(kafka))
                        .routes(Map.of("OrderPlaced", topic))
                        .build();
                OutboxRelay relay = outbox.relay(publisher)
                        .asynchronousCommit(false)
                        .build()
                        .start()) {
            return paced(kafka, topic, rate, seconds, n -> {
                try (Connection connection = pool.getConnection()) {
                    connection.setAutoCommit(false);
                    outbox.append(connection, DeliveryEvents.event(n));
                    connection.commit();
                }
                outbox.afterCommit(); // what the Spring starter does after every commit: wake the relay now
            });
        } finally {
            OutboxHarness.dropAll(pool, p);
        }
    }

    private static double[] gruelboxLatency(KafkaBroker kafka, String topic, int rate, int seconds) throws Exception {
        DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
        ThreadPoolExecutor workers =
                new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
        try (HikariDataSource gruelboxPool = BacklogDrains.gruelboxPool();
                KafkaProducer<String, byte[]> producer = KafkaSending.producer(kafka)) {
            ThreadLocalContextTransactionManager transactions = TransactionManager.fromDataSource(gruelboxPool);
            TransactionOutbox outbox = TransactionOutbox.builder()
                    .transactionManager(transactions)
                    .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                    .instantiator(Instantiator.using(type -> new KafkaSending(producer, topic)))
                    .submitter(Submitter.withExecutor(workers))
                    .build();
            return paced(
                    kafka,
                    topic,
                    rate,
                    seconds,
                    n -> transactions.inTransaction(() -> outbox.schedule(GruelboxDrain.Publisher.class)
                            .publish("O-" + (n % 1000), DeliveryEvents.json(n))));
        } finally {
            workers.shutdown();
            workers.awaitTermination(1, TimeUnit.MINUTES);
            DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
        }
    }

    /**
     * 4 appenders commit event n at its slot (start + n / rate), record when the commit returned; a consumer records
     * when it read n. Returns the latencies in milliseconds of every event (a read before the recorded commit, which
     * only the last instructions after the commit can cause, counts as 0).
     */
    private static double[] paced(KafkaBroker kafka, String topic, int rate, int seconds, Backlog.Work append)
            throws Exception {
        int events = rate * seconds;
        long[] committed = new long[events + 1];
        long[] read = new long[events + 1];
        try (KafkaReader consumer = new KafkaReader(kafka, topic, events, read)) {
            AtomicLong issued = new AtomicLong();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            long interval = 1_000_000_000L / rate;
            ExecutorService appenders = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(appenders.submit(() -> {
                        long n;
                        while ((n = issued.incrementAndGet()) <= events) {
                            long slot = start + (n - 1) * interval;
                            long wait = slot - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            append.append(n);
                            committed[(int) n] = System.nanoTime();
                        }
                        return null;
                    }));
                }
                for (Future<?> future : futures) {
                    future.get();
                }
            } finally {
                appenders.shutdown();
            }
            consumer.awaitLast();
        }
        double[] ms = new double[events];
        for (int n = 1; n <= events; n++) {
            ms[n - 1] = Math.max(0, read[n] - committed[n]) / 1e6;
        }
        return ms;
    }

    private static double percentile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
