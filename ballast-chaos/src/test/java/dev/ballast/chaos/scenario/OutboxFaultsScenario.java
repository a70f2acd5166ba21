package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageClusterBuilder;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.NoAcknowledgedWriteLost;
import dev.ballast.chaos.NoPartialWrites;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.ChildService;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The outbox relay (in-process delivery to the settlement consumer, which books through the inbox) under faults of its
 * own: the instance whose relay holds leases is killed mid-wave; a pending event's row is tampered with in the
 * database. Hypothesis: every event is delivered and booked exactly once, a tampered one is dead-lettered as an
 * integrity violation with a CRITICAL alert, and the rest flows.
 */
@ExtendWith(ChaosReport.class)
class OutboxFaultsScenario {

    private static final String PENDING = "SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PENDING'";

    @Test
    @DisplayName("(13) relay SIGKILLed mid-wave")
    void everyEventIsBookedExactlyOnceAfterTheRelayHoldingLeasesIsKilled(Scenario scenario) throws Exception {
        scenario.fault("SIGKILL of the instance whose relay holds aggregate leases (lease 5 s), under order load");
        try (BrokerageCluster cluster = BrokerageCluster.builder("relay-kill")
                .instances(2)
                .env("BALLAST_OUTBOX_RELAY_LEASE", "5s")
                .env("BROKERAGE_OUTBOX_CONSUMER_DELAY", "5ms") // waves take a while: leases are held when it dies
                .start()) {
            ChildService victim = cluster.instances().getFirst();
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            try (Load load = Load.start(history, 6, workload::order)) {
                new FaultWindow(200, Duration.ZERO, 200)
                        .run(
                                history,
                                load,
                                () -> {
                                    awaitRelayLeaseHeldBy(cluster, victim);
                                    victim.kill();
                                },
                                () -> cluster.retire(victim));
            }
            Duration drained =
                    Waits.until("every event published", Duration.ofSeconds(60), () -> cluster.count(PENDING) == 0);
            scenario.recovery(drained);
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    new ServerErrorBudget(6), // at most the requests in flight on the killed instance
                    new NoPartialWrites(Map.of(
                            "orders not settled",
                            cluster.count("SELECT COUNT(*) FROM orders o WHERE NOT EXISTS"
                                    + " (SELECT 1 FROM settlement s WHERE s.order_id = o.order_id)"),
                            "settlements without their order",
                            cluster.count("SELECT COUNT(*) FROM settlement s WHERE NOT EXISTS"
                                    + " (SELECT 1 FROM orders o WHERE o.order_id = s.order_id)"))),
                    ignored -> Check.of(
                            "every order settled exactly once",
                            settled == orders,
                            orders + " orders, " + settled + " settlements"));
        }
    }

    @Test
    @DisplayName("(18) tampered outbox row")
    void aTamperedEventIsDeadLetteredAsAnIntegrityViolationAndTheRestFlows(Scenario scenario) throws Exception {
        // no relay at first, so that the events stay pending until one of them has been tampered with
        BrokerageClusterBuilder withoutRelay =
                BrokerageCluster.builder("tampered-row").env("BALLAST_OUTBOX_RELAY_ENABLED", "false");
        scenario.fault("the payload of one pending OrderPlaced event rewritten in the database before any relay ran");
        try (BrokerageCluster cluster = withoutRelay.start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            try (Load load = Load.start(history, 4, workload::order)) {
                load.awaitMore(40, Duration.ofSeconds(60));
            }
            String tampered = firstEventId(cluster);
            cluster.postgres()
                    .execute(
                            BrokerageCluster.DATABASE,
                            "UPDATE ballast_outbox SET payload = convert_to('{\"orderId\":\"forged\",\"price\":\"0.01\"}',"
                                    + " 'UTF8') WHERE event_id = '" + tampered + "'");
            long started = System.nanoTime();
            ChildService relay = cluster.startInstance(Map.of("BALLAST_OUTBOX_RELAY_ENABLED", "true"));
            // not awaitHealthy(): the integrity violation's CRITICAL alert turns the health DEGRADED (outside
            // readiness)
            Waits.until(
                    "the relaying instance ready",
                    Duration.ofSeconds(120),
                    () -> relay.get("/actuator/health/readiness").statusCode() == 200);
            Waits.until("every event published or dead", Duration.ofSeconds(60), () -> cluster.count(PENDING) == 0);
            scenario.recovery(Duration.ofNanos(System.nanoTime() - started));
            long dead = cluster.count("SELECT COUNT(*) FROM ballast_outbox_dlq WHERE reason = 'INTEGRITY_VIOLATION'"
                    + " AND event_id = '" + tampered + "'");
            long otherDead =
                    cluster.count("SELECT COUNT(*) FROM ballast_outbox_dlq WHERE event_id <> '" + tampered + "'");
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            // the alert is routed after its group's window: wait for it (bounded) rather than read the log at once
            boolean alerted = alerted(relay);
            String health = relay.get("/actuator/health").body();
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    ignored -> Check.of(
                            "the tampered event dead-lettered as INTEGRITY_VIOLATION, no other",
                            dead == 1 && otherDead == 0,
                            dead + " tampered, " + otherDead + " others in the dead letters"),
                    ignored -> Check.of(
                            "every other order settled",
                            settled == orders - 1,
                            orders + " orders, " + settled + " settled"),
                    ignored -> Check.of(
                            "a CRITICAL alert raised",
                            alerted,
                            (alerted ? "in the log" : "not in the log") + "; health "
                                    + (health.contains("DEGRADED") ? "DEGRADED" : health)));
        }
    }

    private static boolean alerted(ChildService relay) throws InterruptedException {
        try {
            Waits.until("the CRITICAL alert in the log", Duration.ofSeconds(30), () -> {
                String log = relay.log();
                return log.contains("[CRITICAL]") && log.contains("Outbox event failed its integrity check");
            });
            return true;
        } catch (ConditionTimeoutException notRaised) {
            return false;
        }
    }

    /** Waits (at most 30 s) until {@code instance}'s relay holds an aggregate lease: it dies in the middle of a wave. */
    static void awaitRelayLeaseHeldBy(BrokerageCluster cluster, ChildService instance) {
        Waits.until(
                "a relay lease held by the victim",
                Duration.ofSeconds(30),
                () -> cluster.count("SELECT COUNT(*) FROM ballast_outbox_aggregate WHERE lease_owner LIKE '"
                                + instance.pid() + "@%'")
                        > 0);
    }

    /** The id of the oldest OrderPlaced event in the outbox. */
    static String firstEventId(BrokerageCluster cluster) throws Exception {
        try (Connection connection = cluster.postgres().connect(BrokerageCluster.DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT event_id FROM ballast_outbox WHERE event_type = 'OrderPlaced' ORDER BY id LIMIT 1")) {
            rows.next();
            return rows.getString(1);
        }
    }
}
