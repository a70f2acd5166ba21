package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Scenario;
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

    @Test
    @DisplayName("(12) MariaDB SIGKILL under lock and outbox load, restarted")
    void acknowledgedOrdersAndDepositsSurviveAMariaDbRestart(Scenario scenario) throws Exception {
        scenario.fault("SIGKILL of mariadbd under order+deposit load on 2 instances; down 5 s; restarted (InnoDB crash"
                + " recovery)");
        DatabaseFaultsScenario.run(
                scenario,
                BrokerageCluster.builder("mariadb-restart").mariadb(),
                cluster -> new DatabaseFaultsScenario.Fault(cluster.mariadb()::kill, cluster.mariadb()::restart),
                DatabaseFaultsScenario.DRAIN_LIMIT);
    }
}
