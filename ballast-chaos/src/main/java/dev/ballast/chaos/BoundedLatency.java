package dev.ballast.chaos;

import java.time.Duration;
import java.util.List;

/**
 * Every operation of {@code kind} (all operations if {@code kind} is empty) was answered, one way or another, within
 * {@code limit}: a fault the service should absorb does not make its clients wait. Immutable.
 *
 * @param kind the operations checked, or empty for all
 * @param limit the longest any of them may take
 */
public record BoundedLatency(String kind, Duration limit) implements Checker {

    @Override
    public Check check(History history) {
        String invariant =
                "every " + (kind.isEmpty() ? "operation" : kind) + " answered within " + limit.toMillis() + " ms";
        List<Operation> operations = kind.isEmpty() ? history.operations() : history.operations(kind);
        List<Operation> slow = operations.stream()
                .filter(op -> op.latency().compareTo(limit) > 0)
                .toList();
        long slowest = operations.stream()
                .mapToLong(op -> op.latency().toMillis())
                .max()
                .orElse(0);
        String counts = operations.size() + " operations, slowest " + slowest + " ms";
        return slow.isEmpty()
                ? Check.pass(invariant, counts)
                : Check.fail(
                        invariant, counts + "; " + slow.size() + " too slow: " + NoAcknowledgedWriteLost.first(slow));
    }
}
