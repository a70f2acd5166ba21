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
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults injected at named points inside a running instance with {@link Byteman}: the code path fails exactly where a
 * real failure would hit (a commit lost after the broker took the message), which no signal or proxy can aim at.
 * Hypothesis: the outbox delivers at least once and the inbox makes it exactly once: events whose outcome was never
 * written are published again, and the settlement consumer books each order once all the same.
 */
@ExtendWith(ChaosReport.class)
class InjectedFaultsScenario {

    private static final String PENDING = "SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PENDING'";
    private static final Duration FAULT = Duration.ofSeconds(8);

    /** The relay's store writes a batch's outcomes (published, retry, dead) in one transaction here. */
    static final Byteman.Rule LOST_COMPLETION = Byteman.Rule.throwAtEntry(
            "relay completion lost",
            "dev.ballast.outbox.internal.RelayStore",
            "complete",
            "new java.sql.SQLException(\"injected: the relay's outcome write failed after publishing\", \"08006\")");

    @Test
    @DisplayName("(27) relay loses its outcome write after publishing (Byteman)")
    void everyOrderIsSettledOnceWhenTheRelayLosesItsOutcomeWritesAfterPublishing(Scenario scenario) throws Exception {
        scenario.fault("Byteman rule in the instance: the relay's write of a batch's outcome (RelayStore.complete)"
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
