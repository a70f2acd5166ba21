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
import dev.ballast.test.FaultProxy;
import dev.ballast.test.KafkaBroker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
            Waits.until(
                    "every order settled by the example's consumer",
                    Duration.ofSeconds(60),
                    () -> cluster.count("SELECT COUNT(*) FROM settlement") >= orders);
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    consumed.noAcknowledgedEventLost(),
                    consumed.perAggregateOrder(),
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
            Waits.until(
                    "every order settled by the example's consumer",
                    Duration.ofSeconds(60),
                    () -> cluster.count("SELECT COUNT(*) FROM settlement") >= orders);
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
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

    /** Samples the outbox backlog every 100 ms while {@code sampling} holds, keeping the largest. */
    private static void sampleBacklog(BrokerageCluster cluster, AtomicBoolean sampling, AtomicLong peak) {
        for (int i = 0; i < 600 && sampling.get(); i++) {
            try {
                peak.accumulateAndGet(cluster.count(PENDING), Math::max);
                Thread.sleep(100); // sampling pace
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // a sample lost under load: the next one counts
            }
        }
    }
}
