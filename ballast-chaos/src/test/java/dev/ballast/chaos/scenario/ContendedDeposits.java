package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BalancesMatchDeposits;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.DepositHolds;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.test.ChildService;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Deposits of 1.00 to only {@link #ACCOUNTS} accounts from every client, round-robin over the live instances: many
 * callers wait on each account's lock at once, across instances (the lock scenarios' load). Each deposit carries an
 * Idempotency-Key, so its outcome (the balance it wrote) is stored and {@link DepositHolds} can place it.
 */
final class ContendedDeposits {

    /** Accounts. */
    static final int ACCOUNTS = 3;

    private final BrokerageCluster cluster;
    private final Duration timeout;

    ContendedDeposits(BrokerageCluster cluster, Duration timeout) {
        this.cluster = cluster;
        this.timeout = timeout;
    }

    Load.Request deposit(int client, long n) {
        List<ChildService> live = cluster.instances();
        ChildService target = live.get((int) ((client + n) % live.size()));
        String account = "A-" + (1 + (client + n) % ACCOUNTS);
        return new Load.Request(
                BalancesMatchDeposits.DEPOSIT,
                account,
                "1.00",
                Load.post(
                        target.uri("/api/accounts/" + account + "/deposits"),
                        "{\"amount\": \"1.00\"}",
                        UUID.randomUUID().toString(),
                        timeout));
    }

    /** The lock holds the database recorded (see {@link DepositHolds}). */
    History holds() throws Exception {
        try (Connection connection = cluster.connect()) {
            return DepositHolds.of(DepositHolds.storedOutcomes(connection));
        }
    }
}
