package dev.ballast.chaos;

import java.time.Duration;
import java.util.List;

/**
 * Every operation that did not succeed was answered within {@code limit}: a dependency that is down or slow gives
 * quick errors, not requests that hang and pile up threads. Immutable.
 *
 * @param limit the longest a failing operation may take
 */
public record FastFailures(Duration limit) implements Checker {

    @Override
    public Check check(History history) {
        String invariant = "every failure answered within " + limit.toMillis() + " ms";
        List<Operation> failed = history.operations().stream()
                .filter(op -> op.outcome() != Outcome.OK)
                .toList();
        List<Operation> slow =
                failed.stream().filter(op -> op.latency().compareTo(limit) > 0).toList();
        long slowest =
                failed.stream().mapToLong(op -> op.latency().toMillis()).max().orElse(0);
        String counts = failed.size() + " failures, slowest " + slowest + " ms";
        return slow.isEmpty()
                ? Check.pass(invariant, counts)
                : Check.fail(
                        invariant, counts + "; " + slow.size() + " too slow: " + NoAcknowledgedWriteLost.first(slow));
    }
}
