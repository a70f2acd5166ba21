package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BoundedLatency;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.NoAcknowledgedWriteLost;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.ChildService;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The outbox publishing to Kafka (the example with {@code SPRING_KAFKA_BOOTSTRAP_SERVERS}: a single-node KRaft broker
 * of the test's own in a child JVM, {@code KafkaBroker}) under broker faults. Hypothesis: the broker is not on the
 * request path, so orders are answered as before; the relay waits out the fault and then delivers every event; a
 * consumer reading the topic sees every acknowledged order's event, each aggregate's in order, and the example's
 * settlement consumer books each order once.
 */
@ExtendWith(ChaosReport.class)
class KafkaFaultsScenario {

    static final String TOPIC = "brokerage.orders";
    static final String PENDING = "SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PENDING'";
    private static final String PUBLISHED = "SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PUBLISHED'";

    @Test
    @DisplayName("(14) Kafka broker SIGKILLed mid-drain, restarted")
    void everyAcknowledgedOrderReachesTheConsumerInOrderAfterTheBrokerIsKilledAndRestarted(Scenario scenario)
            throws Exception {
        scenario.fault(
                "SIGKILL of the Kafka broker while the relays drain orders; restarted on the same port and data");
        try (KafkaBroker kafka = KafkaBroker.create().start();
                BrokerageCluster cluster = BrokerageCluster.builder("kafka-kill")
                        .instances(2)
                        .env("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())
                        // two events per order (OrderPlaced, OrderAccepted): per-aggregate order has something to
                        // check
                        .env("BROKERAGE_ORDERS_ACCEPTED_EVENT", "true")
                        .start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            AtomicLong pendingAtKill = new AtomicLong();
            AtomicLong down = new AtomicLong();
            try (Load load = Load.start(history, 6, workload::order)) {
                new FaultWindow(200, Duration.ofSeconds(5), 200)
                        .run(
                                history,
                                load,
                                () -> {
                                    Waits.until(
                                            "the relay draining to Kafka",
                                            Duration.ofSeconds(60),
                                            () -> cluster.count(PUBLISHED) >= 100);
                                    pendingAtKill.set(cluster.count(PENDING));
                                    down.set(System.nanoTime());
                                    kafka.kill();
                                },
                                () -> {
                                    kafka.restart();
                                    down.set(System.nanoTime() - down.get());
                                });
            }
            long end = history.markOf(FaultWindow.END).orElseThrow();
            Waits.until("every event published", Duration.ofSeconds(90), () -> cluster.count(PENDING) == 0);
            scenario.recovery(Duration.ofNanos(System.nanoTime() - end));
            scenario.fault("SIGKILL of the Kafka broker (KRaft, own child JVM) while the relays of 2 instances drained"
                    + " orders (" + pendingAtKill.get() + " pending); down "
                    + Duration.ofNanos(down.get()).toMillis() / 100 / 10.0
                    + " s incl. restart on the same port and data");
            Consumed consumed = Consumed.kafkaTopic(kafka.bootstrapServers(), TOPIC, Duration.ofSeconds(60));
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = Waits.settlements(cluster, orders);
            long withSecond = consumed.aggregatesWithSequence(2);
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    consumed.noAcknowledgedEventLost(),
                    consumed.perAggregateOrder(),
                    ignored -> Check.of(
                            "every order's second event (OrderAccepted) at the consumer",
                            withSecond == orders,
                            orders + " orders, " + withSecond + " with their second event"),
                    new ServerErrorBudget(0), // the broker is not on the request path
                    ignored -> Check.of(
                            "every order settled exactly once by the example's Kafka consumer (inbox)",
                            settled == orders,
                            orders + " orders, " + settled + " settlements"));
        }
    }

    @Test
    @DisplayName("(15) Kafka 1 s latency")
    void ordersAreAnsweredAsFastAsBeforeAndNoEventIsLostWhileKafkaIsOneSecondAway(Scenario scenario) throws Exception {
        KafkaBroker kafka = KafkaBroker.create();
        try (FaultProxy proxy = FaultProxy.start(kafka.port());
                KafkaBroker broker = kafka.advertise(proxy.port()).start();
                BrokerageCluster cluster = BrokerageCluster.builder("kafka-latency")
                        .instances(2)
                        .env("SPRING_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + proxy.port())
                        .start()) {
            Duration latency = Duration.ofSeconds(1);
            scenario.fault(latency.toMillis() + " ms each way between 2 instances and the Kafka broker for 10 s"
                    + " (fault proxy; the broker advertises the proxy's port, so every connection after the bootstrap"
                    + " goes through it too)");
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            AtomicLong before = new AtomicLong();
            AtomicLong peak = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            try (Load load = Load.start(history, 6, workload::order)) {
                new FaultWindow(200, Duration.ofSeconds(10), 200)
                        .run(
                                history,
                                load,
                                () -> {
                                    before.set(cluster.count(PENDING));
                                    proxy.latency(latency, Duration.ZERO);
                                    Thread.ofVirtual().start(() -> sampleBacklog(cluster, sampling, peak));
                                },
                                () -> {
                                    sampling.set(false);
                                    proxy.heal();
                                });
            }
            long end = history.markOf(FaultWindow.END).orElseThrow();
            Waits.until("every event published", Duration.ofSeconds(90), () -> cluster.count(PENDING) == 0);
            scenario.recovery(Duration.ofNanos(System.nanoTime() - end));
            Consumed consumed = Consumed.kafkaTopic(broker.bootstrapServers(), TOPIC, Duration.ofSeconds(60));
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = Waits.settlements(cluster, orders);
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    consumed.noAcknowledgedEventLost(),
                    consumed.perAggregateOrder(),
                    new ServerErrorBudget(0),
                    new BoundedLatency("order", Duration.ofSeconds(2)), // far below the broker's round trip alone
                    ignored -> Check.of(
                            "backpressure: the backlog grew in the outbox, not in the requests",
                            peak.get() > before.get(),
                            "pending events " + before.get() + " before the fault, up to " + peak.get() + " during it"),
                    ignored -> Check.of(
                            "every order settled exactly once by the example's Kafka consumer (inbox)",
                            settled == orders,
                            orders + " orders, " + settled + " settlements"));
        }
    }

    @Test
    @DisplayName("(17) poison records on the topic")
    void poisonRecordsAreDeadLetteredWithTheirReasonAndEveryOrderStillSettles(Scenario scenario) throws Exception {
        scenario.fault("poison records written to the orders topic by a foreign producer under order load");
        try (KafkaBroker kafka = KafkaBroker.create().start();
                BrokerageCluster cluster = BrokerageCluster.builder("kafka-poison")
                        .instances(2)
                        .env("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())
                        .start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            int each = 3;
            try (Load load = Load.start(history, 6, workload::order);
                    KafkaProducer<String, byte[]> foreign = new KafkaProducer<>(
                            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                            new StringSerializer(),
                            new ByteArraySerializer())) {
                new FaultWindow(200, Duration.ZERO, 300)
                        .run(
                                history,
                                load,
                                () -> {
                                    ConsumerRecord<String, byte[]> genuine = Consumed.firstRecord(
                                            kafka.bootstrapServers(), TOPIC, Duration.ofSeconds(30));
                                    for (int i = 0; i < each; i++) {
                                        // no Ballast headers at all: not an outbox event
                                        foreign.send(new ProducerRecord<>(
                                                        TOPIC,
                                                        "poison-" + i,
                                                        "{\"orderId\":\"poison\"}".getBytes(StandardCharsets.UTF_8)))
                                                .get(10, TimeUnit.SECONDS);
                                        // a genuine event's headers over another payload: its hash no longer matches
                                        ProducerRecord<String, byte[]> forged =
                                                new ProducerRecord<>(TOPIC, genuine.key(), forged(genuine.value(), i));
                                        genuine.headers().forEach(header -> forged.headers()
                                                .add(header));
                                        foreign.send(forged).get(10, TimeUnit.SECONDS);
                                    }
                                },
                                () -> {});
            }
            long end = history.markOf(FaultWindow.END).orElseThrow();
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            Waits.within(
                    "every order settled by the example's consumer",
                    Duration.ofSeconds(90),
                    () -> cluster.count("SELECT COUNT(*) FROM settlement") >= orders);
            scenario.recovery(Duration.ofNanos(System.nanoTime() - end));
            scenario.fault(each + " records without Ballast headers and " + each + " genuine records' headers over a"
                    + " changed payload, written to " + TOPIC + " by a foreign producer under order load");
            Waits.within(
                    "the poison records dead-lettered",
                    Duration.ofSeconds(30),
                    () -> cluster.count("SELECT COUNT(*) FROM ballast_inbox_dlq") >= 2L * each);
            long malformed = cluster.count("SELECT COUNT(*) FROM ballast_inbox_dlq WHERE reason = 'MALFORMED'");
            long violations =
                    cluster.count("SELECT COUNT(*) FROM ballast_inbox_dlq WHERE reason = 'INTEGRITY_VIOLATION'");
            long dead = cluster.count("SELECT COUNT(*) FROM ballast_inbox_dlq");
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            boolean alerted = alerted(cluster);
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    new ServerErrorBudget(0),
                    ignored -> Check.of(
                            "each poison record dead-lettered at the consumer with its reason, nothing else",
                            malformed == each && violations == each && dead == 2L * each,
                            malformed + " MALFORMED, " + violations + " INTEGRITY_VIOLATION of " + dead
                                    + " consumer dead letters"),
                    ignored -> Check.of(
                            "the rest flows: every order settled exactly once by the example's Kafka consumer",
                            settled == orders,
                            orders + " orders, " + settled + " settlements"),
                    ignored -> Check.of(
                            "a CRITICAL alert for the forged records",
                            alerted,
                            alerted ? "in an instance's log" : "not in any instance's log"));
        }
    }

    /** The genuine payload with another account: the same shape, a different content hash. */
    static byte[] forged(byte[] payload, int i) {
        String text = new String(payload, StandardCharsets.UTF_8);
        String changed = text.replaceFirst("\"accountId\":\"A-\\d+\"", "\"accountId\":\"A-9" + i + "\"");
        if (changed.equals(text)) {
            throw new AssertionError("no accountId to change in " + text);
        }
        return changed.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean alerted(BrokerageCluster cluster) {
        try {
            Waits.until("the CRITICAL alert in a log", Duration.ofSeconds(30), () -> {
                for (ChildService instance : cluster.instances()) {
                    String log = instance.log();
                    if (log.contains("[CRITICAL]") && log.contains("Consumed event failed its integrity check")) {
                        return true;
                    }
                }
                return false;
            });
            return true;
        } catch (ConditionTimeoutException notRaised) {
            return false;
        }
    }

    /** Samples the outbox backlog every 100 ms on a timer while {@code sampling} holds, keeping the largest. */
    private static void sampleBacklog(BrokerageCluster cluster, AtomicBoolean sampling, AtomicLong peak) {
        try (ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor()) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            timer.scheduleAtFixedRate(
                    () -> {
                        if (!sampling.get()) {
                            done.complete(null);
                            return;
                        }
                        try {
                            peak.accumulateAndGet(cluster.count(PENDING), Math::max);
                        } catch (Exception e) {
                            // a sample lost under load: the next one counts
                        }
                    },
                    0,
                    100,
                    TimeUnit.MILLISECONDS);
            done.get(60, TimeUnit.SECONDS); // bounded like the 600 samples before
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // sampling ends with the fault, at the latest after 60 s
        }
    }
}
