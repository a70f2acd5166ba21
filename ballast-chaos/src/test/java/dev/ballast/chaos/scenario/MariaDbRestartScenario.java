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
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example on MariaDB (its own {@code mariadbd}: accounts, orders, the JDBC lock table and the outbox all in it)
 * while the server is killed and restarted under orders (outbox) and deposits (locks). Hypothesis: as on PostgreSQL
 * (scenario 9), nothing acknowledged is lost, nothing is half-written, clients get quick 503s while the database is
 * gone, and the service and the outbox recover within a bound after InnoDB's crash recovery.
 */
@ExtendWith(ChaosReport.class)
class MariaDbRestartScenario {

    private static final int CLIENTS = 6;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration FAULT = Duration.ofSeconds(5);
    /** A 503 after at most the 5 s lock wait and the 2 s pool connection timeout (as in scenario 9). */
    private static final Duration FAST_FAILURE = Duration.ofSeconds(8);

    @Test
    @DisplayName("(12) MariaDB SIGKILL under lock and outbox load, restarted")
    void acknowledgedOrdersAndDepositsSurviveAMariaDbRestart(Scenario scenario) throws Exception {
        scenario.fault("SIGKILL of mariadbd under order+deposit load on 2 instances; down 5 s; restarted (InnoDB crash"
                + " recovery)");
        try (BrokerageCluster cluster = BrokerageCluster.builder("mariadb-restart")
                .mariadb()
                .instances(2)
                .start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, REQUEST_TIMEOUT);
            try (Load load = Load.start(history, CLIENTS, workload::ordersAndDeposits)) {
                new FaultWindow(200, FAULT, 200)
                        .run(history, load, () -> cluster.mariadb().kill(), () -> cluster.mariadb()
                                .restart());
            }
            Duration drained = Waits.until(
                    "every OrderPlaced event published",
                    Duration.ofSeconds(60),
                    () -> cluster.count("SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PENDING'") == 0);
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            OrderChecks.underDatabaseFault(
                                    cluster,
                                    FAST_FAILURE,
                                    DatabaseFaultsScenario.RECOVERY_LIMIT,
                                    ignored -> Check.of(
                                            "the outbox drains after the restart, every order settled once",
                                            orders == settled,
                                            orders + " orders, " + settled + " settlements, pending 0 after "
                                                    + drained.toMillis() + " ms")));
        }
    }
}
