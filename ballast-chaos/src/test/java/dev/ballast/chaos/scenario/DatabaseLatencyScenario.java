package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.OrderChecks;
import dev.ballast.chaos.Scenario;
import dev.ballast.test.ChildService;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A slow database: 250 ms each way (500 ms a round trip) between the instances and PostgreSQL, through the fault proxy,
 * while more clients place orders and deposits than the pool has connections. Hypothesis: the pool bounds the
 * concurrency, the surplus gets a quick 503 instead of queueing, nothing acknowledged is lost, and the instance does not
 * pile up threads.
 */
@ExtendWith(ChaosReport.class)
class DatabaseLatencyScenario {

    private static final int CLIENTS = 24;
    private static final int THREAD_LIMIT = 150;
    /**
     * A 503 within the configured bounds: a deposit's lock wait (5 s) may end in a poll that waits the 2 s pool
     * connection timeout, plus a round trip of the fault's 500 ms; never the 30 s request timeout. (It was 5 s, which a
     * 503 came within 230 ms of at a5bda66: the bound of scenario 9, for the same reasons, is 8 s.)
     */
    private static final Duration FAST_FAILURE = Duration.ofSeconds(8);

    @Test
    @DisplayName("(11) 500 ms database round trip")
    void aSlowDatabaseGivesQuickServiceUnavailableNotAPileUp(Scenario scenario) throws Exception {
        scenario.fault("250 ms each way between both instances and PostgreSQL for 8 s (fault proxy), " + CLIENTS
                + " clients on pools of 10");
        try (BrokerageCluster cluster = BrokerageCluster.builder("postgres-latency")
                .instances(2)
                .databaseThroughProxy()
                .start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(30));
            double[] threads = new double[1];
            try (Load load = Load.start(history, CLIENTS, workload::ordersAndDeposits)) {
                new FaultWindow(200, Duration.ofSeconds(8), 200)
                        .run(
                                history,
                                load,
                                () -> cluster.databaseProxy().latency(Duration.ofMillis(250), Duration.ZERO),
                                () -> {
                                    threads[0] = maxLiveThreads(cluster.instances());
                                    cluster.databaseProxy().heal();
                                });
            }
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            OrderChecks.underDatabaseFault(
                                    cluster,
                                    FAST_FAILURE,
                                    DatabaseFaultsScenario.RECOVERY_LIMIT,
                                    ignored -> Check.of(
                                            "at most " + THREAD_LIMIT + " live JVM threads per instance under the"
                                                    + " fault",
                                            threads[0] <= THREAD_LIMIT,
                                            "at most " + (long) threads[0])));
        }
    }

    private static double maxLiveThreads(List<ChildService> instances) throws Exception {
        double max = 0;
        for (ChildService instance : instances) {
            max = Math.max(max, instance.metric("jvm_threads_live_threads(\\{[^}]*\\})?"));
        }
        return max;
    }
}
