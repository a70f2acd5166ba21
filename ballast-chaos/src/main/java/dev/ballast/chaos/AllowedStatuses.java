package dev.ballast.chaos;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every answer has one of the {@code allowed} HTTP statuses, e.g. 2xx or a quick 503 while the database is down, but
 * never a 500; a missing answer (status 0) is a violation unless 0 is allowed. A connection refused before anything
 * was sent (status -1) is not an answer and is passed over. Immutable.
 *
 * @param allowed the statuses a client may see
 */
public record AllowedStatuses(Set<Integer> allowed) implements Checker {

    @Override
    public Check check(History history) {
        String invariant = "every answer is one of " + new TreeSet<>(allowed);
        List<Operation> answered = history.operations().stream()
                .filter(op -> op.status() != Load.REFUSED)
                .toList();
        List<Operation> others =
                answered.stream().filter(op -> !allowed.contains(op.status())).toList();
        TreeSet<Integer> seen = new TreeSet<>();
        answered.forEach(op -> seen.add(op.status()));
        String counts = answered.size() + " answers with statuses " + seen;
        return others.isEmpty()
                ? Check.pass(invariant, counts)
                : Check.fail(
                        invariant, counts + "; " + others.size() + " others: " + NoAcknowledgedWriteLost.first(others));
    }
}
