package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.Checker;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.OrderChecks;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.ChildService;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Faults of the service's own processes: an orderly stop under load, a bad configuration at start-up. */
@ExtendWith(ChaosReport.class)
class ServiceFaultsScenario {

    @Test
    @DisplayName("(25) SIGTERM under load")
    void anInstanceStoppedUnderLoadAnswersEveryRequestItTook(Scenario scenario) throws Exception {
        scenario.fault("SIGTERM to one of two instances under order+deposit load; clients whose connection is refused"
                + " go on with the other");
        try (BrokerageCluster cluster =
                BrokerageCluster.builder("sigterm").instances(2).redis().start()) {
            ChildService stopped = cluster.instances().getFirst();
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(30));
            int[] exit = new int[1];
            try (Load load = Load.start(history, 8, workload::ordersAndDeposits)) {
                new FaultWindow(300, Duration.ZERO, 300)
                        .run(
                                history,
                                load,
                                () -> exit[0] = stopped.terminate(Duration.ofSeconds(45)),
                                () -> cluster.retire(stopped));
            }
            scenario.recovery(Duration.ofNanos(history.markOf(FaultWindow.END).orElseThrow()
                    - history.markOf(FaultWindow.START).orElseThrow()));
            scenario.verify(
                    history,
                    OrderChecks.of(
                            cluster,
                            new ServerErrorBudget(0),
                            ignored -> Check.of(
                                    "the stopped instance exits cleanly",
                                    exit[0] == 0 || exit[0] == 143,
                                    "exit code " + exit[0])));
        }
    }

    @Test
    @DisplayName("(26) bad configuration at start-up")
    void aBadSettingStopsTheStartNamingThePropertyAndValue(Scenario scenario) throws Exception {
        scenario.fault("an instance started with an invalid duration (BALLAST_OUTBOX_RELAY_LEASE=soon), then with a"
                + " negative one (BALLAST_OUTBOX_RELAY_LEASE=-5s)");
        List<Check> checks = new ArrayList<>();
        for (String value : List.of("soon", "-5s")) {
            String dir = "bad-config-" + (value.startsWith("-") ? "negative" : "invalid");
            try (ChildService instance = ChildService.start(
                    BrokerageCluster.jar(),
                    Path.of("target", "chaos", dir),
                    Map.of("BALLAST_OUTBOX_RELAY_LEASE", value))) {
                long started = System.nanoTime();
                int exit = awaitExitOrHealthy(instance);
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                String log = instance.log();
                boolean named = log.contains("ballast.outbox.relay.lease")
                        && (log.contains(value) || log.contains(duration(value)));
                checks.add(Check.of(
                        "start with lease=" + value + " fails naming property and value",
                        exit != 0 && named,
                        "exit " + exit + " after " + took.toMillis() + " ms, "
                                + (named ? "named" : "not named: " + instance.logTail(5))));
            }
        }
        scenario.verify(
                new History(),
                checks.stream().map(check -> (Checker) ignored -> check).toList());
    }

    /** How the bound Duration prints {@code value} ({@code -5s} is {@code PT-5S}); the value itself if not one. */
    private static String duration(String value) {
        return value.equals("-5s") ? "PT-5S" : value;
    }

    /** The exit code, or 0 if the instance came up healthy instead of failing (then it is stopped). */
    private static int awaitExitOrHealthy(ChildService instance) throws Exception {
        Duration waited = Waits.until("the instance to exit or become healthy", Duration.ofSeconds(120), () -> {
            if (!instance.isAlive()) {
                return true;
            }
            try {
                return instance.get("/actuator/health").statusCode() == 200;
            } catch (IOException notListening) {
                return false;
            }
        });
        if (instance.isAlive()) {
            instance.close();
            return 0;
        }
        return instance.awaitExit(Duration.ofSeconds(1 + waited.toSeconds()));
    }
}
