package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BalancesMatchDeposits;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.Operation;
import dev.ballast.chaos.Outcome;
import dev.ballast.chaos.Scenario;
import dev.ballast.test.ChildService;
import dev.ballast.test.UnixSignal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A lock holder frozen past its lease: deposits (a read-modify-write of the balance under the account's lock, lease
 * 10 s) on two instances; one instance is frozen with SIGSTOP for 40 s while it is in the middle of deposits, the other
 * takes the expired locks and deposits on, then the frozen one thaws and finishes what it had started. Hypothesis: the
 * thawed holder's stale write is refused (fenced), so every acknowledged deposit is in the balance.
 */
@ExtendWith(ChaosReport.class)
class LockFaultsScenario {

    @Test
    @DisplayName("(5) lock holder SIGSTOPped past its lease")
    void aHolderThawedAfterItsLeaseCannotOverwriteNewerDeposits(Scenario scenario) throws Exception {
        scenario.fault("SIGSTOP for 40 s (lease 10 s) of one of two instances under deposit load (8 clients on the"
                + " frozen instance, 2 on the other), then SIGCONT; of the other instance's 2 clients, one deposits to the same"
                + " accounts A-1..A-20, one to A-21..A-30");
        try (BrokerageCluster cluster =
                BrokerageCluster.builder("lock-holder-stop").instances(2).start()) {
            ChildService frozen = cluster.instances().getFirst();
            ChildService other = cluster.instances().get(1);
            History history = new History();
            // each instance has its own clients, as a load balancer with sticky sessions would send them: 8 keep the
            // frozen instance busy, so that the freeze catches some of its deposits inside their lock (with 8 clients
            // round-robin over both, the clean-clone run of c4c86bf froze it between requests: 0 held locks, nothing
            // for the fencing to refuse), and 2 use the other instance, which deposits on and takes the locks whose
            // holder is frozen once their lease runs out (its deposit to such an account can still wait on the frozen
            // holder's open database transaction, so that is reported, not required: 1 in the clean-clone run of
            // 9aa4d98, 5,426 in a local one). Of those 2, one walks A-1..A-20 like the frozen clients and one
            // A-21..A-30, which the frozen instance never touches: in the clean-clone CI run of a55681e both walked
            // A-1..A-20, each soon reached an account whose holder was frozen and waited there until the thaw, so the
            // other instance acknowledged nothing during the freeze and the scenario proved nothing about going on
            BrokerageWorkload onFrozen = new BrokerageWorkload(() -> List.of(frozen), Duration.ofSeconds(90));
            BrokerageWorkload onOther = new BrokerageWorkload(() -> List.of(other), Duration.ofSeconds(90));
            try (Load load = Load.start(
                    history,
                    10,
                    (client, n) -> client < 8
                            ? onFrozen.deposit(client, n)
                            : client == 8
                                    ? onOther.deposit(client, n)
                                    : onOther.deposit("A-" + (21 + n % 10), client, n))) {
                new FaultWindow(300, Duration.ofSeconds(40), 300)
                        .run(history, load, () -> frozen.signal(UnixSignal.STOP), () -> frozen.signal(UnixSignal.CONT));
            }
            long start = history.markOf(FaultWindow.START).orElseThrow();
            // a deposit sent while the SIGSTOP command still ran may be the one the freeze caught inside its lock (the
            // local run of b4aaef8: the frozen instance logged two deposits completed after 40 s and one refused by the
            // fencing, but only one of them was sent before START), so a spanning deposit is one sent before the
            // command returned
            long applied = history.markOf(FaultWindow.APPLIED).orElseThrow();
            // the thaw: a deposit the freeze held up completes as soon as SIGCONT lands, often before the signal
            // command has returned and END is marked (the clean-clone run of bcda6c4 counted 0 spanning deposits
            // while the frozen instance logged one completed after 40 s and two refused by the fencing)
            long thaw = history.markOf(FaultWindow.LIFT).orElseThrow();
            Set<String> frozenAccounts = history.operations(BalancesMatchDeposits.DEPOSIT).stream()
                    .filter(op -> op.invokedNanos() < applied && op.completedNanos() > thaw)
                    .map(Operation::key)
                    .collect(Collectors.toSet());
            long spanning = frozenAccounts.size();
            List<Operation> acknowledgedDuringFreeze = history.operations(BalancesMatchDeposits.DEPOSIT).stream()
                    .filter(op -> op.invokedNanos() > start && op.completedNanos() < thaw)
                    .filter(op -> op.outcome() == Outcome.OK)
                    .toList();
            long duringFreeze = acknowledgedDuringFreeze.size();
            long sameAccounts = acknowledgedDuringFreeze.stream()
                    .filter(op -> frozenAccounts.contains(op.key()))
                    .count();
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            new BalancesMatchDeposits(cluster.balances()),
                            ignored -> Check.of(
                                    "the freeze caught deposits in flight and the other instance went on",
                                    spanning > 0 && duringFreeze > 0,
                                    spanning + " accounts had a deposit spanning the freeze, " + duringFreeze
                                            + " deposits acknowledged during it, " + sameAccounts
                                            + " of them to those accounts (after their lease ran out; such a"
                                            + " deposit may also wait on the frozen holder's open database"
                                            + " transaction until the thaw)"));
        }
    }
}
