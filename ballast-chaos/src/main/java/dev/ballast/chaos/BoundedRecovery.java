package dev.ballast.chaos;

import java.time.Duration;
import java.util.List;

/**
 * After the fault ends (the history's mark {@code faultEnd}), the service is back within {@code limit}: the recovery
 * time is from that mark to the completion of the last operation that did not succeed (0 if none failed after it), and
 * at least one operation sent after the fault's end succeeded after that. Immutable.
 *
 * @param faultEnd the name of the mark set when the fault was lifted
 * @param limit the longest recovery allowed
 */
public record BoundedRecovery(String faultEnd, Duration limit) implements Checker {

    /** The measured recovery time, or empty if the fault's end was never marked. */
    public static Duration recovery(History history, String faultEnd) {
        long end = history.markOf(faultEnd).orElseThrow(() -> new IllegalStateException("no mark " + faultEnd));
        long lastFailure = history.operations().stream()
                .filter(op -> op.outcome() != Outcome.OK)
                .mapToLong(Operation::completedNanos)
                .max()
                .orElse(end);
        return Duration.ofNanos(Math.max(0, lastFailure - end));
    }

    @Override
    public Check check(History history) {
        String invariant = "recovered within " + limit.toMillis() + " ms of the fault's end";
        if (history.markOf(faultEnd).isEmpty()) {
            return Check.fail(invariant, "the fault's end (" + faultEnd + ") was never marked");
        }
        Duration recovery = recovery(history, faultEnd);
        long recoveredAt = history.markOf(faultEnd).get() + recovery.toNanos();
        long end = history.markOf(faultEnd).get();
        List<Operation> after = history.operations().stream()
                .filter(op -> op.invokedNanos() >= end && op.completedNanos() > recoveredAt)
                .filter(op -> op.outcome() == Outcome.OK)
                .toList();
        String measured = "recovery " + recovery.toMillis() + " ms, " + after.size() + " successes after it";
        if (after.isEmpty()) {
            return Check.fail(invariant, measured + ": nothing succeeded after the fault");
        }
        return recovery.compareTo(limit) <= 0 ? Check.pass(invariant, measured) : Check.fail(invariant, measured);
    }
}
