package dev.ballast.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Never two holders of one lock at once: the acknowledged operations of {@code kind} are holds of the lock named by
 * their key, from invocation to completion, and no two of the same key overlap. Immutable.
 *
 * @param kind the operations that are holds, e.g. {@code hold}
 */
public record SingleHolder(String kind) implements Checker {

    @Override
    public Check check(History history) {
        String invariant = "never two holders of one lock";
        Map<String, List<Operation>> byLock = history.operations(kind).stream()
                .filter(op -> op.outcome() == Outcome.OK)
                .collect(Collectors.groupingBy(Operation::key));
        List<String> overlaps = new ArrayList<>();
        int holds = 0;
        for (List<Operation> lockHolds : byLock.values()) {
            List<Operation> sorted = lockHolds.stream()
                    .sorted(Comparator.comparingLong(Operation::invokedNanos))
                    .toList();
            holds += sorted.size();
            long latestEnd = Long.MIN_VALUE;
            Operation latest = null;
            for (Operation hold : sorted) {
                if (latest != null && hold.invokedNanos() < latestEnd) {
                    overlaps.add(hold.key() + ": client " + hold.client() + " while client " + latest.client());
                }
                if (hold.completedNanos() > latestEnd) {
                    latestEnd = hold.completedNanos();
                    latest = hold;
                }
            }
        }
        String counts = holds + " holds of " + byLock.size() + " locks";
        return overlaps.isEmpty()
                ? Check.pass(invariant, counts)
                : Check.fail(
                        invariant,
                        counts + "; " + overlaps.size() + " overlaps: " + NoAcknowledgedWriteLost.first(overlaps));
    }
}
