package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.Byteman;
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
import dev.ballast.test.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults injected at named points inside a running instance with {@link Byteman}: the code path fails exactly where a
 * real failure would hit (a commit lost after the broker took the message), which no signal or proxy can aim at.
 * Hypotheses: the outbox delivers at least once and the inbox makes it exactly once: events whose outcome was never
 * written are published again, and the settlement consumer books each order once all the same; an event its handler
 * keeps failing on is dead-lettered with a CRITICAL alert and does not hold up the others.
 */
@ExtendWith(ChaosReport.class)
class InjectedFaultsScenario {

    private static final String PENDING = "SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PENDING'";
    private static final Duration FAULT = Duration.ofSeconds(8);

    /** The relay's completion writes a batch's outcomes (published, retry, dead) in one transaction here. */
    static final Byteman.Rule LOST_COMPLETION = Byteman.Rule.throwAtEntry(
            "relay completion lost",
            "dev.ballast.outbox.internal.RelayCompletion",
            "complete",
            "new java.sql.SQLException(\"injected: the relay's outcome write failed after publishing\", \"08006\")");

    /** The orders of this account are the ones the settlement handler refuses in (29). */
    private static final String POISONED_ACCOUNT = "A-99";

    static final Byteman.Rule SETTLEMENT_REFUSES = new Byteman.Rule(
            "settlement refuses " + POISONED_ACCOUNT,
            "dev.ballast.example.brokerage.settlement.Settlements",
            "book",
            // the event's header accountId (OrderService), restored by the inbox from the Ballast headers
            "\"" + POISONED_ACCOUNT + "\".equals($2.headers().get(\"accountId\"))",
            "new java.lang.IllegalArgumentException(\"injected: the settlement refuses orders of " + POISONED_ACCOUNT
                    + "\")");

    @Test
    @DisplayName("(29) settlement handler fails on some events under load (Byteman, Kafka)")
    void eventsTheHandlerKeepsFailingOnAreDeadLetteredWithACriticalAlertAndTheRestSettles(Scenario scenario)
            throws Exception {
        scenario.fault("Byteman rule in both instances: the settlement handler (Settlements.book, behind the inbox,"
                + " consuming from Kafka) throws on every OrderPlaced of account " + POISONED_ACCOUNT + " for "
                + FAULT.toSeconds() + " s; one order in 40 of one client goes to that account, under order load"
                + " (4 clients, 2 instances)");
        List<Byteman> agents = List.of(Byteman.onFreePort(), Byteman.onFreePort());
        try (KafkaBroker kafka = KafkaBroker.create().start();
                BrokerageCluster cluster = BrokerageCluster.builder("settlement-handler-fails")
                        .instances(0)
                        .env("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())
                        .start()) {
            for (Byteman agent : agents) {
                cluster.startInstance(Map.of(), agent.jvmOptions());
            }
            for (ChildService instance : cluster.instances()) {
                instance.awaitHealthy();
            }
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            Load.Workload orders = (client, n) -> client == 0 && n % 40 == 20
                    ? poisonedOrder(cluster, n, Duration.ofSeconds(10))
                    : workload.order(client, n);
            List<Byteman.InjectedFault> faults = new ArrayList<>();
            try (Load load = Load.start(history, 4, orders)) {
                new FaultWindow(200, FAULT, 200)
                        .run(
                                history,
                                load,
                                () -> {
                                    for (Byteman agent : agents) {
                                        faults.add(agent.inject(SETTLEMENT_REFUSES));
                                    }
                                },
                                () -> {
                                    // the refused events are dead-lettered after 3 attempts: wait for every one in
                                    // flight before the rule goes, so that none of them is booked on a 4th
                                    Waits.within(
                                            "the refused events dead-lettered",
                                            Duration.ofSeconds(30),
                                            () -> cluster.count(REFUSED_NOT_DEAD) == 0);
                                    for (Byteman.InjectedFault fault : faults) {
                                        fault.close();
                                    }
                                });
            } finally {
                for (Byteman.InjectedFault fault : faults) {
                    fault.close();
                }
            }
            long stored = cluster.count("SELECT COUNT(*) FROM orders");
            boolean settledOrDead = Waits.within(
                    "every order settled or dead-lettered",
                    Duration.ofSeconds(60),
                    () -> cluster.count("SELECT COUNT(*) FROM settlement") + cluster.count(DEAD_HANDLER_FAILED)
                            >= stored);
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            long distinctSettled = cluster.count("SELECT COUNT(DISTINCT order_id) FROM settlement");
            long dead = cluster.count(DEAD_HANDLER_FAILED);
            long deadOfOthers =
                    cluster.count("SELECT COUNT(*) FROM ballast_inbox_dlq d WHERE d.reason <> 'HANDLER_FAILED'"
                            + " OR d.detail NOT LIKE '%injected: the settlement refuses%' OR NOT EXISTS (SELECT 1 FROM orders o"
                            + " WHERE CAST(o.event_id AS VARCHAR(64)) = d.event_id AND o.account_id = '"
                            + POISONED_ACCOUNT
                            + "')");
            long poisonedSettled =
                    cluster.count("SELECT COUNT(*) FROM settlement WHERE account_id = '" + POISONED_ACCOUNT + "'");
            long poisoned = cluster.count("SELECT COUNT(*) FROM orders WHERE account_id = '" + POISONED_ACCOUNT + "'");
            long firingsCounted = 0;
            for (ChildService instance : cluster.instances()) {
                firingsCounted += Byteman.InjectedFault.firings(SETTLEMENT_REFUSES.name(), instance.log());
            }
            long firings = firingsCounted;
            boolean alerted = alerted(cluster);
            scenario.recoveryOf(history);
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    new ServerErrorBudget(0), // the consumer is not on the request path
                    ignored -> Check.of(
                            "the refused events dead-lettered as HANDLER_FAILED with the failure, nothing else",
                            dead > 0 && deadOfOthers == 0 && firings >= 3 * dead,
                            dead + " HANDLER_FAILED dead letters, " + deadOfOthers + " others; the rule fired "
                                    + firings + " times (3 attempts each); " + poisoned + " orders of "
                                    + POISONED_ACCOUNT + ", " + poisonedSettled + " of them settled"),
                    ignored -> Check.of(
                            "the rest flows: every other order settled exactly once",
                            settledOrDead && settled == distinctSettled && settled + dead == stored,
                            stored + " orders, " + settled + " settlements (" + distinctSettled + " orders), " + dead
                                    + " dead-lettered"),
                    ignored -> Check.of(
                            "a CRITICAL alert for the dead-lettered events",
                            alerted,
                            alerted ? "in an instance's log" : "in no instance's log"));
        }
    }

    private static final String DEAD_HANDLER_FAILED =
            "SELECT COUNT(*) FROM ballast_inbox_dlq WHERE reason = 'HANDLER_FAILED'";

    /** Orders of the poisoned account whose event the settlement has neither booked nor dead-lettered yet. */
    private static final String REFUSED_NOT_DEAD = "SELECT COUNT(*) FROM orders o WHERE o.account_id = '"
            + POISONED_ACCOUNT + "' AND NOT EXISTS (SELECT 1 FROM settlement s WHERE s.order_id = o.order_id)"
            + " AND NOT EXISTS (SELECT 1 FROM ballast_inbox_dlq d WHERE d.event_id = CAST(o.event_id AS VARCHAR(64)))";

    /** An order for the poisoned account, round-robin over the live instances like the others. */
    private static Load.Request poisonedOrder(BrokerageCluster cluster, long n, Duration timeout) {
        List<ChildService> live = cluster.instances();
        ChildService target = live.get((int) (n % live.size()));
        String key = UUID.randomUUID().toString();
        String json = "{\"accountId\": \"" + POISONED_ACCOUNT + "\", \"symbol\": \"005930\", \"side\": \"BUY\","
                + " \"quantity\": 1, \"price\": \"71200.00\"}";
        return new Load.Request("order", key, "", Load.post(target.uri("/api/orders"), json, key, timeout));
    }

    private static boolean alerted(BrokerageCluster cluster) {
        try {
            Waits.until("the CRITICAL alert in a log", Duration.ofSeconds(30), () -> {
                for (ChildService instance : cluster.instances()) {
                    String log = instance.log();
                    if (log.contains("[CRITICAL]")
                            && log.contains("Consumed event dead-lettered: its handler failed")) {
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

    @Test
    @DisplayName("(27) relay loses its outcome write after publishing (Byteman)")
    void everyOrderIsSettledOnceWhenTheRelayLosesItsOutcomeWritesAfterPublishing(Scenario scenario) throws Exception {
        scenario.fault("Byteman rule in the instance: the relay's write of a batch's outcome (RelayCompletion.complete)"
                + " throws a connection-loss SQLException after every publish, for " + FAULT.toSeconds()
                + " s under order load (relay lease 5 s), then removed");
        Byteman byteman = Byteman.onFreePort();
        try (BrokerageCluster cluster = BrokerageCluster.builder("relay-completion-lost")
                .instances(0)
                .env("BALLAST_OUTBOX_RELAY_LEASE", "5s")
                .start()) {
            ChildService instance = cluster.startInstance(Map.of(), byteman.jvmOptions());
            instance.awaitHealthy();
            String agent = byteman.agentVersion();
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            AtomicReference<Byteman.InjectedFault> fault = new AtomicReference<>();
            long[] lifted = new long[1];
            try (Load load = Load.start(history, 4, workload::order)) {
                new FaultWindow(200, FAULT, 200)
                        .run(history, load, () -> fault.set(byteman.inject(LOST_COMPLETION)), () -> {
                            fault.get().close();
                            lifted[0] = System.nanoTime();
                        });
            } finally {
                Byteman.InjectedFault injected = fault.get();
                if (injected != null) {
                    injected.close();
                }
            }
            boolean drained =
                    Waits.within("every event published", Duration.ofSeconds(60), () -> cluster.count(PENDING) == 0);
            // recovery: from the rule's removal until every event was published (or the wait gave up)
            scenario.recovery(Duration.ofNanos(System.nanoTime() - lifted[0]));
            long firings = Byteman.InjectedFault.firings(LOST_COMPLETION.name(), instance.log());
            double redelivered = instance.metric("brokerage_settlements_total\\{[^}]*result=\"duplicate\"[^}]*\\}");
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            long distinctSettled = cluster.count("SELECT COUNT(DISTINCT order_id) FROM settlement");
            long dead = cluster.count("SELECT COUNT(*) FROM ballast_outbox_dlq");
            long pending = cluster.count(PENDING);
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    new ServerErrorBudget(0), // the relay runs beside the requests: orders are not affected
                    new NoPartialWrites(Map.of(
                            "settlements without their order",
                            cluster.count("SELECT COUNT(*) FROM settlement s WHERE NOT EXISTS"
                                    + " (SELECT 1 FROM orders o WHERE o.order_id = s.order_id)"))),
                    ignored -> Check.of(
                            "the injected fault fired and events were published again (Byteman " + agent + ")",
                            firings > 0 && redelivered > 0,
                            "the rule fired " + firings + " times; " + (long) redelivered
                                    + " redelivered events absorbed by the inbox"),
                    ignored -> Check.of(
                            "every order settled exactly once, nothing dead-lettered, the outbox drained",
                            drained && settled == orders && distinctSettled == orders && dead == 0,
                            orders + " orders, " + settled + " settlements (" + distinctSettled + " orders), " + dead
                                    + " dead letters, " + (drained ? "drained" : pending + " pending")));
        }
    }
}
