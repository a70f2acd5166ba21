package dev.ballast.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What one scenario claims and found, for its row in the report: its number and title in the catalogue, the fault it
 * applies, the invariants checked, the recovery time measured. A scenario test gets one from {@link ChaosReport} and
 * ends with {@link #verify}. Used from the test thread only.
 */
public final class Scenario {

    private final String id;
    private String fault = "";
    private final List<Check> checks = new ArrayList<>();
    private @Nullable Duration recovery;

    Scenario(String id) {
        this.id = id;
    }

    /** Describes the fault, in words, e.g. {@code redis-server SIGKILL for 5 s, restarted empty}; call it first. */
    public void fault(String description) {
        fault = description;
    }

    /** The recovery time measured (from the fault's end until the service was whole again). */
    public Scenario recovery(Duration measured) {
        this.recovery = measured;
        return this;
    }

    /** The recovery time measured on {@code history}: see {@link BoundedRecovery#recovery}. */
    public Scenario recoveryOf(History history) {
        return recovery(BoundedRecovery.recovery(history, FaultWindow.END));
    }

    /**
     * Runs every checker on {@code history}, keeps the verdicts for the report, and fails with all the violations if
     * any invariant was broken.
     */
    public void verify(History history, Checker... checkers) {
        verify(history, List.of(checkers));
    }

    /** As {@link #verify(History, Checker...)}. */
    public void verify(History history, List<Checker> checkers) {
        for (Checker checker : checkers) {
            checks.add(checker.check(history));
        }
        List<Check> failed = checks.stream().filter(check -> !check.passed()).toList();
        if (!failed.isEmpty()) {
            throw new AssertionError(failed.stream().map(Check::toString).collect(Collectors.joining("\n"))
                    + "\nhistory: " + history.summary());
        }
    }

    /** Records a verdict reached another way (e.g. a start-up that must fail). */
    public void verify(Check check) {
        checks.add(check);
        if (!check.passed()) {
            throw new AssertionError(check.toString());
        }
    }

    String id() {
        return id;
    }

    String fault() {
        return fault;
    }

    List<Check> checks() {
        return List.copyOf(checks);
    }

    @Nullable
    Duration recoveryTime() {
        return recovery;
    }
}
