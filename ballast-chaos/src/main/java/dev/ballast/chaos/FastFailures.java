package dev.ballast.chaos;

import java.time.Duration;
import java.util.List;

/**
 * Every server error (a 5xx, or no answer at all) came within {@code limit}: a dependency that is down or slow gives
 * quick 503s, not requests that hang and pile up threads. Client errors (a 409 after the documented lock wait, say) are
 * the service's answer, not a failure to answer, and are passed over. Immutable.
 *
 * @param limit the longest a failing operation may take
 */
public record FastFailures(Duration limit) implements Checker {

    @Override
    public Check check(History history) {
        String invariant = "every server error answered within " + limit.toMillis() + " ms";
        List<Operation> failed =
                history.operations().stream().filter(Operation::serverError).toList();
        List<Operation> slow =
                failed.stream().filter(op -> op.latency().compareTo(limit) > 0).toList();
        long slowest =
                failed.stream().mapToLong(op -> op.latency().toMillis()).max().orElse(0);
        String counts = failed.size() + " server errors, slowest " + slowest + " ms";
        return slow.isEmpty()
                ? Check.pass(invariant, counts)
                : Check.fail(
                        invariant, counts + "; " + slow.size() + " too slow: " + NoAcknowledgedWriteLost.first(slow));
    }
}
