package dev.ballast.chaos.scenario;

import dev.ballast.chaos.AllowedStatuses;
import dev.ballast.chaos.BalancesMatchDeposits;
import dev.ballast.chaos.BoundedLatency;
import dev.ballast.chaos.BoundedRecovery;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.DepositHolds;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.Operation;
import dev.ballast.chaos.Outcome;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.SingleHolder;
import dev.ballast.test.ChildService;
import dev.ballast.test.NetworkNamespace;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Network faults the kernel applies: the instance runs in a {@link NetworkNamespace} of the test's own and reaches its
 * database and Redis through forwarders on the namespace's host address; an iptables rule in the namespace drops its
 * packets to one of them. Unlike a proxy's blackhole, the instance's TCP stack sees real loss (retransmits, no RST, no
 * FIN). Hypothesis: with Redis blackholed, deposits move to the database lock within the lock's command timeout and
 * stay correct, quotes go on from the local cache and the upstream, and every error is a quick problem answer.
 */
@ExtendWith(ChaosReport.class)
class NetworkFaultsScenario {

    private static final int DEPOSIT_CLIENTS = 8;
    private static final int QUOTE_CLIENTS = 2;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FAULT = Duration.ofSeconds(10);
    /** As in (6) and (8): a deposit may wait out the lock's Redis command timeout and the database lock's wait. */
    private static final Duration DEPOSIT_LIMIT = Duration.ofSeconds(9);

    private static final Duration QUOTE_LIMIT = Duration.ofSeconds(2);
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(20);
    private static final List<String> SYMBOLS = List.of("005930", "000660", "035420", "AAPL", "MSFT");

    @Test
    @DisplayName("(28) Redis packets dropped in the kernel (network namespace)")
    void anInstanceWhoseRedisPacketsAreDroppedKeepsDepositsCorrectAndAnswersInTime(Scenario scenario) throws Exception {
        scenario.fault("iptables DROP of every packet from the instance's network namespace to Redis (veth pair, a"
                + " forwarder on the host side) for " + FAULT.toSeconds() + " s, under deposit contention ("
                + DEPOSIT_CLIENTS + " clients, " + ContendedDeposits.ACCOUNTS + " accounts,"
                + " ballast.lock.backend=RESILIENT) and quotes (" + QUOTE_CLIENTS + " clients)");
        try (BrokerageCluster cluster = BrokerageCluster.builder("redis-netns-drop")
                .instances(1)
                .inNetworkNamespace()
                .redis()
                .env("BALLAST_LOCK_BACKEND", "RESILIENT")
                .start()) {
            NetworkNamespace namespace = cluster.networkNamespace();
            int redisPort = cluster.redisProxy().port();
            ChildService instance = cluster.instances().getFirst();
            History history = new History();
            ContendedDeposits deposits = new ContendedDeposits(cluster, REQUEST_TIMEOUT);
            Load.Workload workload = (client, n) -> {
                if (client < DEPOSIT_CLIENTS) {
                    return deposits.deposit(client, n);
                }
                String symbol = SYMBOLS.get((int) (n % SYMBOLS.size()));
                return new Load.Request(
                        "quote", symbol, "", Load.get(instance.uri("/api/quotes/" + symbol), REQUEST_TIMEOUT));
            };
            long[] dropped = {0};
            String[] modeAtLift = {""};
            try (Load load = Load.start(history, DEPOSIT_CLIENTS + QUOTE_CLIENTS, workload)) {
                new FaultWindow(200, FAULT, 200).run(history, load, () -> namespace.drop(redisPort), () -> {
                    dropped[0] = namespace.packetsStopped(redisPort);
                    modeAtLift[0] = LockRedisFaultsScenario.lockMode(cluster);
                    namespace.heal();
                });
            }
            long acknowledgedDuringFault = acknowledgedBetween(history, FaultWindow.START, FaultWindow.END);
            List<Operation> errors = history.operations().stream()
                    .filter(op -> op.status() >= 400)
                    .toList();
            long notProblems = errors.stream().filter(op -> !isProblem(op)).count();
            History holds = deposits.holds();
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            ignored -> Check.of(
                                    "the kernel dropped the instance's Redis packets",
                                    dropped[0] > 0,
                                    dropped[0] + " packets dropped by the namespace's rule in " + FAULT.toSeconds()
                                            + " s"),
                            ignored -> new SingleHolder(DepositHolds.HOLD).check(holds),
                            new BalancesMatchDeposits(cluster.balances()),
                            new AllowedStatuses(Set.of(200, 409, 503)),
                            ignored -> Check.of(
                                    "every error answer is problem JSON",
                                    notProblems == 0,
                                    errors.size() + " error answers, " + notProblems + " not problem JSON"
                                            + (notProblems == 0
                                                    ? ""
                                                    : ": "
                                                            + errors.stream()
                                                                    .filter(op -> !isProblem(op))
                                                                    .findFirst()
                                                                    .orElseThrow())),
                            new BoundedLatency(BalancesMatchDeposits.DEPOSIT, DEPOSIT_LIMIT),
                            new BoundedLatency("quote", QUOTE_LIMIT),
                            new BoundedRecovery(FaultWindow.END, RECOVERY_LIMIT),
                            ignored -> Check.of(
                                    "deposits went on through the database lock while Redis was unreachable",
                                    "FALLBACK".equals(modeAtLift[0]) && acknowledgedDuringFault > 0,
                                    "lock mode " + modeAtLift[0] + " when the rule was removed, "
                                            + acknowledgedDuringFault + " deposits acknowledged during the fault"));
        }
    }

    /** An RFC 9457 answer as the client recorded it (its body, shortened): a JSON object with its status. */
    private static boolean isProblem(Operation op) {
        return op.detail().startsWith("{") && op.detail().contains("\"status\":" + op.status());
    }

    private static long acknowledgedBetween(History history, String from, String to) {
        long start = history.markOf(from).orElseThrow();
        long end = history.markOf(to).orElseThrow();
        return history.operations(BalancesMatchDeposits.DEPOSIT).stream()
                .filter(op -> op.outcome() == Outcome.OK && op.invokedNanos() > start && op.completedNanos() < end)
                .count();
    }
}
