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
import dev.ballast.bench.fair.Machine;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.bench.fair.Stats;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.PublishResult;
import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.kafka.KafkaOutboxPublisher;
import dev.ballast.test.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Delivery through a real Kafka broker (issue 11, point 8), run by {@code scripts/bench delivery}: a KRaft broker in a
 * child JVM on free ports (the test kit's {@code KafkaBroker}), the machine's PostgreSQL with {@code synchronous_commit}
 * on for every subject, the fair runner's alternating order and paired ratios.
 *
 * <ol>
 *   <li><b>inbox</b>: what the inbox costs per consumed event, 8 threads (each owns its aggregates and takes them in
 *       order, as a consumer owns partitions), one event per transaction: {@link Inbox#receive} with a handler that
 *       does nothing (headers read, content hash verified, the event's row recorded, the aggregate's sequence
 *       advanced) against a plain insert of the same row into a table of the inbox table's shape. Goal: ≤ 1.3× the
 *       insert.
 *   <li><b>drain</b>: a backlog appended through each subject's own path (8 threads, 1,000 aggregates), {@code VACUUM
 *       ANALYZE}, then drained to a topic of its own (6 partitions); window from the start of the drain until a
 *       consumer has read the last record. Ballast's relay (1 thread, {@link KafkaOutboxPublisher}, a wave sent as one
 *       batch) against gruelbox transaction-outbox with 4 workers whose invoked method sends the record and waits for
 *       the broker's acknowledgement (gruelbox has no Kafka module; this is how its users publish: the invocation
 *       must succeed before the row is deleted). Same producer settings (acks=all, idempotence). Spring Modulith's
 *       Kafka externalization and Namastack's Kafka module are not served by this machine's Maven mirror, so they are
 *       not in the run. Goal: ≥ 2× the best peer.
 *   <li><b>latency</b>: 4 appenders commit one event per transaction at {@code rate}/s in total for {@code seconds};
 *       commit-to-consume latency (from the commit's return to the consumer's read, one JVM clock). Ballast's relay
 *       with its production defaults (1 thread, woken by {@link Outbox#afterCommit()} after each commit, as the Spring
 *       starter does, LISTEN/NOTIFY across JVMs) against gruelbox submitting each call right
 *       after the commit (its normal path) to 4 workers. Goal: Ballast p99 &lt; 25 ms.
 * </ol>
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.outbox.KafkaDeliverySuite
 * <chartDir> <chartPrefix> [trials=5] [backlog=20000] [rate=1000] [seconds=15] [parts=inbox,drain,latency]}.
 */
@SuppressWarnings("try") // consumers and relays opened for their effect; their close() may wait (InterruptedException)
public final class KafkaDeliverySuite {

    private static final Clock AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));
    private static final int INBOX_EVENTS = 8_000;

    private KafkaDeliverySuite() {}

    public static void main(String[] args) throws Exception {
        Path charts = Path.of(args[0]);
        String prefix = args[1];
        int trials = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int backlog = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        int rate = args.length > 4 ? Integer.parseInt(args[4]) : 1_000;
        int seconds = args.length > 5 ? Integer.parseInt(args[5]) : 15;
        List<String> parts = Arrays.asList((args.length > 6 ? args[6] : "inbox,drain,latency").split(","));
        Machine.describe(true, false);
        Report report = new Report(charts, prefix);
        try (HikariDataSource pool = pool(20)) {
            if (parts.contains("inbox")) {
                inbox(report, pool, trials);
            }
            if (parts.contains("rabbit")) {
                RabbitDrain.run(report, pool, trials, Integer.getInteger("delivery.rabbit.backlog", 20_000));
            }
            if (parts.contains("drain") || parts.contains("latency")) {
                try (KafkaBroker kafka = KafkaBroker.create().start()) {
                    System.out.println(
                            "kafka: a KRaft broker in a child JVM (-Xmx512m), 1 node, topics of 6 partitions");
                    if (parts.contains("drain")) {
                        drain(report, pool, kafka, trials, backlog);
                    }
                    if (parts.contains("latency")) {
                        latency(report, pool, kafka, trials, rate, seconds);
                    }
                }
            }
        }
        report.summary();
    }

    // ---- inbox

    private static void inbox(Report report, HikariDataSource pool, int trials) throws Exception {
        System.out.println(
                "## inbox: " + INBOX_EVENTS + " events per subject per trial, 8 threads, one per transaction");
        List<OutboxMessage> messages = messages(pool, INBOX_EVENTS);
        List<String> subjects = List.of("plain-insert", "ballast-inbox");
        Results results = PairedTrials.run(
                "inbox vs plain insert", subjects, trials, 1, PairedTrials.single("events/s", (subject, trial) -> {
                    String p = "inb" + UUID.randomUUID().toString().substring(0, 6) + "_";
                    Inbox inbox = Inbox.builder(pool, "bench")
                            .tablePrefix(p)
                            .createSchema(true)
                            .build();
                    OutboxHarness.execute(pool, "CREATE TABLE " + p + "plain (LIKE " + p + "inbox INCLUDING ALL)");
                    try {
                        if (subject.equals("plain-insert")) {
                            return consume(messages, (message, headers) -> {
                                try (Connection connection = pool.getConnection()) {
                                    connection.setAutoCommit(false);
                                    plainInsert(connection, p, message);
                                    connection.commit();
                                }
                            });
                        }
                        return consume(
                                messages,
                                (message, headers) ->
                                        inbox.receive(headers::get, message.payload(), (connection, m) -> {}));
                    } finally {
                        for (String table : List.of("plain", "inbox", "inbox_aggregate", "inbox_dlq")) {
                            OutboxHarness.execute(pool, "DROP TABLE IF EXISTS " + p + table);
                        }
                    }
                }));
        report.table(results, "events/s", "events per second", "plain-insert");
        report.chart(
                "inbox", "Inbox vs a plain insert of its row (8 threads)", "events/s", results, List.of("events/s"));
        report.claim(results.claim(
                "point 8: the inbox costs <= 1.3x a plain insert of its row (throughput >= 1/1.3 of it)",
                "ballast-inbox",
                "plain-insert",
                "events/s",
                r -> r >= 1 / 1.3));
    }

    @FunctionalInterface
    private interface Receiver {
        void receive(OutboxMessage message, Map<String, String> headers) throws Exception;
    }

    /** Events/s of {@code receiver} over all messages, 8 threads, thread t taking aggregates t, t+8, ... in order. */
    private static double consume(List<OutboxMessage> messages, Receiver receiver) throws Exception {
        List<Map<String, String>> headers =
                messages.stream().map(OutboxHeaders::of).toList();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(threads.submit(() -> {
                    for (int i = 0; i < messages.size(); i++) {
                        OutboxMessage message = messages.get(i);
                        if (Math.floorMod(message.aggregateId().hashCode(), 8) == thread) {
                            receiver.receive(message, headers.get(i));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            threads.shutdown();
        }
        return messages.size() / ((System.nanoTime() - start) / 1e9);
    }

    /** The row the inbox records for {@code message}, inserted into a table of the inbox table's shape. */
    private static void plainInsert(Connection connection, String prefix, OutboxMessage message) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + prefix + "plain (consumer,"
                + " event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, received_at) VALUES (?, ?, ?, ?,"
                + " ?, ?, ?)")) {
            insert.setString(1, "bench");
            insert.setString(2, message.eventId());
            insert.setString(3, message.aggregateType());
            insert.setString(4, message.aggregateId());
            insert.setLong(5, message.aggregateSequence());
            insert.setString(6, message.eventType());
            insert.setTimestamp(7, Timestamp.from(Instant.now()));
            insert.executeUpdate();
        }
    }

    /** Real messages with real content hashes: appended to an outbox and captured from its relay, in relay order. */
    private static List<OutboxMessage> messages(HikariDataSource pool, int count) throws Exception {
        String p = "msg" + UUID.randomUUID().toString().substring(0, 6) + "_";
        Outbox outbox = Outbox.builder(pool).tablePrefix(p).createSchema(true).build();
        try {
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                for (long n = 1; n <= count; n++) {
                    outbox.append(connection, OutboxHarness.event(n));
                    if (n % 500 == 0) {
                        connection.commit();
                    }
                }
                connection.commit();
            }
            List<OutboxMessage> captured = new CopyOnWriteArrayList<>();
            outbox.relay(batch -> {
                        captured.addAll(batch);
                        return batch.stream()
                                .map(m -> PublishResult.published())
                                .toList();
                    })
                    .listen(false)
                    .build()
                    .drain();
            if (captured.size() != count) {
                throw new IllegalStateException("captured " + captured.size() + " of " + count);
            }
            return List.copyOf(captured);
        } finally {
            OutboxHarness.dropAll(pool, p);
        }
    }

    // ---- drain

    private static void drain(Report report, HikariDataSource pool, KafkaBroker kafka, int trials, int backlog)
            throws Exception {
        System.out.println();
        List<String> subjects = List.of(System.getProperty("delivery.subjects", "ballast-1-thread,gruelbox-4-workers")
                .split(","));
        int perTransaction = Integer.getInteger("delivery.batch", 1);
        int warmUp = Integer.getInteger("delivery.warmup", Math.max(1000, backlog / 10));
        Chunk chunk = Chunk.of(trials);
        System.out.println(
                "## drain of a " + backlog + "-event backlog to Kafka, synchronous_commit on for all; backlog"
                        + " written by 8 threads, " + perTransaction + " event(s) per transaction; warm-up " + warmUp
                        + " events; " + chunk);
        String reference = subjects.get(subjects.size() - 1);
        Results results = PairedTrials.run(
                "drain to Kafka, " + backlog + " events",
                subjects,
                trials,
                chunk.warmUps(),
                chunk.from(),
                chunk.to(),
                PairedTrials.single("events/s", (subject, trial) -> {
                    int events = trial < 0 ? warmUp : backlog;
                    String topic = "drain-" + UUID.randomUUID();
                    kafka.createTopic(topic, 6);
                    return switch (subject) {
                        case "ballast-1-thread" -> ballastDrain(pool, kafka, topic, events, perTransaction);
                        case "gruelbox-4-workers" -> gruelboxDrain(kafka, topic, events, perTransaction);
                        case "modulith-kafka" -> ModulithKafkaDrain.drain(kafka, topic, events, perTransaction);
                        default -> throw new IllegalArgumentException("unknown drain subject " + subject);
                    };
                }));
        if (!chunk.complete(trials)) {
            return; // a chunk of a longer comparison: Combine joins the trial lines
        }
        report.table(results, "events/s", "events per second", reference);
        report.chart(
                "kafka-drain", "Drain of " + backlog + " events to Kafka", "events/s", results, List.of("events/s"));
        for (String peer : subjects.subList(1, subjects.size())) {
            report.claim(results.claim(
                    "point 8: Kafka drain, ballast-1-thread >= 2x " + peer,
                    "ballast-1-thread",
                    peer,
                    "events/s",
                    r -> r >= 2));
        }
    }

    /**
     * Which recorded trials this run measures ({@code -Ddelivery.from}, {@code -Ddelivery.to}, 0-based, end exclusive)
     * and how many warm-ups it starts with ({@code -Ddelivery.warmups}, default 1): a long comparison runs as several
     * short holds of the machine's lock, each trial keeping the order its index gives.
     */
    record Chunk(int from, int to, int warmUps) {
        static Chunk of(int trials) {
            return new Chunk(
                    Integer.getInteger("delivery.from", 0),
                    Integer.getInteger("delivery.to", trials),
                    Integer.getInteger("delivery.warmups", 1));
        }

        boolean complete(int trials) {
            return from == 0 && to >= trials;
        }

        @Override
        public String toString() {
            return "trials " + (from + 1) + "-" + to + " after " + warmUps + " warm-up(s)";
        }
    }

    private static double ballastDrain(
            HikariDataSource pool, KafkaBroker kafka, String topic, int events, int perTransaction) throws Exception {
        String p = "kd" + UUID.randomUUID().toString().substring(0, 6) + "_";
        Outbox outbox = Outbox.builder(pool).tablePrefix(p).createSchema(true).build();
        try (KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder(producerConfig(kafka))
                .routes(Map.of("OrderPlaced", topic))
                .build()) {
            fillBallast(pool, outbox, events, perTransaction);
            DrainSubject.execute("VACUUM ANALYZE " + p + "outbox", "VACUUM ANALYZE " + p + "outbox_aggregate");
            try (Counter consumer = new Counter(kafka, topic, events)) {
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
                    return events / ((consumer.awaitLast() - start) / 1e9);
                }
            }
        } finally {
            OutboxHarness.dropAll(pool, p);
        }
    }

    /** Ballast's backlog: 8 threads, {@code perTransaction} appends per transaction. */
    static void fillBallast(HikariDataSource pool, Outbox outbox, int events, int perTransaction) throws Exception {
        Backlog.fill(events, perTransaction, (first, last) -> {
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                for (long n = first; n <= last; n++) {
                    outbox.append(connection, event(n));
                }
                connection.commit();
            }
        });
    }

    /** gruelbox's backlog: calls scheduled through an outbox that never runs them, {@code perTransaction} each. */
    static void fillGruelbox(ThreadLocalContextTransactionManager transactions, int events, int perTransaction)
            throws Exception {
        TransactionOutbox holding = TransactionOutbox.builder()
                .transactionManager(transactions)
                .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                .instantiator(Instantiator.using(type -> {
                    throw new IllegalStateException("the holding outbox never runs a call");
                }))
                .submitter((entry, work) -> {})
                .build();
        Backlog.fill(
                events,
                perTransaction,
                (first, last) -> transactions.inTransaction(() -> {
                    for (long n = first; n <= last; n++) {
                        holding.schedule(GruelboxDrain.Publisher.class).publish("O-" + (n % 1000), json(n));
                    }
                }));
    }

    private static double gruelboxDrain(KafkaBroker kafka, String topic, int events, int perTransaction)
            throws Exception {
        DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
        try (HikariDataSource gruelboxPool = gruelboxPool();
                KafkaProducer<String, byte[]> producer = producer(kafka)) {
            ThreadLocalContextTransactionManager transactions = TransactionManager.fromDataSource(gruelboxPool);
            fillGruelbox(transactions, events, perTransaction);
            DrainSubject.execute("VACUUM ANALYZE TXNO_OUTBOX");
            ThreadPoolExecutor workers =
                    new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
            try (Counter consumer = new Counter(kafka, topic, events)) {
                TransactionOutbox draining = TransactionOutbox.builder()
                        .transactionManager(transactions)
                        .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                        .instantiator(Instantiator.using(type -> new KafkaSending(producer, topic)))
                        .submitter(Submitter.withExecutor(workers))
                        .clockProvider(() -> AHEAD)
                        .build();
                long start = System.nanoTime();
                while (draining.flush()) {
                    // a scheduler with no pause: flush until nothing is due
                }
                return events / ((consumer.awaitLast() - start) / 1e9);
            } finally {
                workers.shutdown();
                workers.awaitTermination(1, TimeUnit.MINUTES);
                DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
            }
        }
    }

    /** gruelbox's invoked method: send the record and wait for the broker's acknowledgement. */
    static final class KafkaSending implements GruelboxDrain.Publisher {
        private final KafkaProducer<String, byte[]> producer;
        private final String topic;

        KafkaSending(KafkaProducer<String, byte[]> producer, String topic) {
            this.producer = producer;
            this.topic = topic;
        }

        @Override
        public void publish(String aggregateId, String eventJson) {
            try {
                producer.send(new ProducerRecord<>(topic, aggregateId, eventJson.getBytes(StandardCharsets.UTF_8)))
                        .get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---- latency

    private static void latency(
            Report report, HikariDataSource pool, KafkaBroker kafka, int trials, int rate, int seconds)
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
        try (KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder(producerConfig(kafka))
                        .routes(Map.of("OrderPlaced", topic))
                        .build();
                OutboxRelay relay = outbox.relay(publisher)
                        .asynchronousCommit(false)
                        .build()
                        .start()) {
            return paced(kafka, topic, rate, seconds, n -> {
                try (Connection connection = pool.getConnection()) {
                    connection.setAutoCommit(false);
                    outbox.append(connection, event(n));
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
        try (HikariDataSource gruelboxPool = gruelboxPool();
                KafkaProducer<String, byte[]> producer = producer(kafka)) {
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
                    n -> transactions.inTransaction(
                            () -> outbox.schedule(GruelboxDrain.Publisher.class).publish("O-" + (n % 1000), json(n))));
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
        try (Counter consumer = new Counter(kafka, topic, events, read)) {
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

    // ---- helpers

    /** Reads a topic from the beginning on a thread of its own; stamps the read of each event number, and the last. */
    static final class Counter implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong last = new AtomicLong();
        private final Thread thread;
        private final int expected;
        private volatile Exception failure;

        Counter(KafkaBroker kafka, String topic, int expected) {
            this(kafka, topic, expected, null);
        }

        Counter(KafkaBroker kafka, String topic, int expected, long[] readAt) {
            this.expected = expected;
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            properties.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
            properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
            KafkaConsumer<String, byte[]> consumer =
                    new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.assignment().size() < 6) { // joined before the drain starts, so no rebalance inside it
                if (System.nanoTime() > deadline) {
                    consumer.close();
                    throw new IllegalStateException("the consumer was not assigned the topic's 6 partitions");
                }
                consumer.poll(Duration.ofMillis(100));
            }
            Set<Long> seen = ConcurrentHashMap.newKeySet();
            thread = Thread.ofPlatform().name("bench-consumer").start(() -> {
                try (consumer) {
                    while (running.get() && seen.size() < expected) {
                        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                            long n = number(record.value());
                            if (readAt != null && readAt[(int) n] == 0) {
                                readAt[(int) n] = System.nanoTime();
                            }
                            seen.add(n);
                        }
                        if (seen.size() >= expected) {
                            last.set(System.nanoTime());
                        }
                    }
                } catch (Exception e) {
                    failure = e;
                }
            });
        }

        /** The nanoTime at which the consumer had read every expected event; waits at most 30 minutes. */
        long awaitLast() throws Exception {
            thread.join(Duration.ofMinutes(30));
            if (failure != null) {
                throw failure;
            }
            if (last.get() == 0) {
                throw new IllegalStateException("the consumer did not read " + expected + " events");
            }
            return last.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(10));
        }
    }

    /** The event number {@code n} from a payload starting {@code {"n":<n>,}}. */
    static long number(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        int from = text.indexOf("\"n\":") + 4;
        int to = from;
        while (to < text.length() && Character.isDigit(text.charAt(to))) {
            to++;
        }
        return Long.parseLong(text.substring(from, to));
    }

    private static OutboxEvent event(long n) {
        return OutboxEvent.of(
                "r-" + n, "Order", "O-" + (n % 1000), "OrderPlaced", json(n).getBytes(StandardCharsets.UTF_8));
    }

    private static String json(long n) {
        return "{\"n\":" + n + ",\"accountId\":\"A-" + (n % 1000)
                + "\",\"symbol\":\"005930\",\"side\":\"BUY\",\"quantity\":10,\"price\":\"71200.00\"}";
    }

    private static double percentile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static Map<String, Object> producerConfig(KafkaBroker kafka) {
        return Map.of("bootstrap.servers", kafka.bootstrapServers());
    }

    /** The same producer settings Ballast's publisher enforces: acks=all, idempotence, at most 5 in flight. */
    private static KafkaProducer<String, byte[]> producer(KafkaBroker kafka) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }

    static HikariDataSource gruelboxPool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(Durability.ON.url());
        config.setUsername("postgres");
        config.setMaximumPoolSize(20);
        config.setAutoCommit(false);
        return new HikariDataSource(config);
    }

    private static HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(Durability.ON.url());
        config.setUsername("postgres");
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }
}
