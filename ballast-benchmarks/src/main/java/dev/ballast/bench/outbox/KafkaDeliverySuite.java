package dev.ballast.bench.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.bench.fair.Machine;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.outbox.kafka.KafkaOutboxPublisher;
import dev.ballast.test.KafkaBroker;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Delivery through a real Kafka broker (issue 11, point 8), run by {@code scripts/bench delivery}: a KRaft broker in a
 * child JVM on free ports (the test kit's {@code KafkaBroker}), the machine's PostgreSQL with {@code synchronous_commit}
 * on for every subject, the fair runner's alternating order and paired ratios.
 *
 * <ol>
 *   <li><b>inbox</b> ({@link InboxCost}): what the inbox costs per consumed event, 8 threads (each owns its aggregates and takes them in
 *       order, as a consumer owns partitions), one event per transaction: {@link dev.ballast.outbox.inbox.Inbox#receive} with a handler that
 *       does nothing (headers read, content hash verified, the event's row recorded, the aggregate's sequence
 *       advanced) against a plain insert of the same row into a table of the inbox table's shape. Goal: ≤ 1.3× the
 *       insert.
 *   <li><b>drain</b> (here, on {@link BacklogDrains}): a backlog appended through each subject's own path (8 threads, 1,000 aggregates), {@code VACUUM
 *       ANALYZE}, then drained to a topic of its own (6 partitions); window from the start of the drain until a
 *       consumer has read the last record. Ballast's relay (1 thread, {@link KafkaOutboxPublisher}, a wave sent as one
 *       batch) against gruelbox transaction-outbox with 4 workers whose invoked method sends the record and waits for
 *       the broker's acknowledgement (gruelbox has no Kafka module; this is how its users publish: the invocation
 *       must succeed before the row is deleted). Same producer settings (acks=all, idempotence). Spring Modulith's
 *       Kafka externalization and Namastack's Kafka module are not served by this machine's Maven mirror, so they are
 *       not in the run. Goal: ≥ 2× the best peer.
 *   <li><b>latency</b> ({@link KafkaLatency}): 4 appenders commit one event per transaction at {@code rate}/s in total for {@code seconds};
 *       commit-to-consume latency (from the commit's return to the consumer's read, one JVM clock). Ballast's relay
 *       with its production defaults (1 thread, woken by {@link dev.ballast.outbox.Outbox#afterCommit()} after each commit, as the Spring
 *       starter does, LISTEN/NOTIFY across JVMs) against gruelbox submitting each call right
 *       after the commit (its normal path) to 4 workers. Goal: Ballast p99 &lt; 25 ms.
 * </ol>
 *
 * <p>RabbitMQ's drain ({@link RabbitDrain}, part {@code rabbit}) runs on the same {@link BacklogDrains}.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.outbox.KafkaDeliverySuite
 * <chartDir> <chartPrefix> [trials=5] [backlog=20000] [rate=1000] [seconds=15] [parts=inbox,drain,latency]}.
 */
@SuppressWarnings("try") // the producer and publisher opened for their effect
public final class KafkaDeliverySuite {

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
                InboxCost.run(report, pool, trials);
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
                        KafkaLatency.run(report, pool, kafka, trials, rate, seconds);
                    }
                }
            }
        }
        report.summary();
    }

    // ---- drain

    private static void drain(Report report, HikariDataSource pool, KafkaBroker kafka, int trials, int backlog)
            throws Exception {
        System.out.println();
        List<String> subjects = List.of(System.getProperty("delivery.subjects", "ballast-1-thread,gruelbox-4-workers")
                .split(","));
        int perTransaction = Integer.getInteger("delivery.batch", 1);
        int warmUp = Integer.getInteger("delivery.warmup", Math.max(1000, backlog / 10));
        TrialChunk chunk = TrialChunk.of(trials);
        System.out.println(
                "## drain of a " + backlog + "-event backlog to Kafka, synchronous_commit on for all; backlog"
                        + " written by 8 threads, " + perTransaction + " event(s) per transaction; warm-up " + warmUp
                        + " events; " + chunk);
        String reference = subjects.get(subjects.size() - 1);
        Results results = chunk.run(
                "drain to Kafka, " + backlog + " events",
                subjects,
                trials,
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

    private static double ballastDrain(
            HikariDataSource pool, KafkaBroker kafka, String topic, int events, int perTransaction) throws Exception {
        String p = "kd" + UUID.randomUUID().toString().substring(0, 6) + "_";
        try (KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder(KafkaSending.producerConfig(kafka))
                .routes(Map.of("OrderPlaced", topic))
                .build()) {
            return BacklogDrains.ballast(
                    pool, p, publisher, events, perTransaction, () -> new KafkaReader(kafka, topic, events));
        }
    }

    private static double gruelboxDrain(KafkaBroker kafka, String topic, int events, int perTransaction)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = KafkaSending.producer(kafka)) {
            return BacklogDrains.gruelbox(
                    events,
                    perTransaction,
                    () -> new KafkaSending(producer, topic),
                    () -> new KafkaReader(kafka, topic, events));
        }
    }

    private static HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(Durability.ON.url());
        config.setUsername("postgres");
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }
}
