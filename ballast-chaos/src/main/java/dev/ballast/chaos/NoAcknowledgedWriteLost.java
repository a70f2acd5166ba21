package dev.ballast.chaos;

import java.util.List;
import java.util.Set;

/**
 * Every acknowledged write of one kind is in the store afterwards, and the store holds nothing no client asked for:
 * {@code present} is what the database (or broker, or consumer) holds, read after the load stopped, keyed as the
 * history keys the operations. Immutable.
 *
 * @param kind the operations checked, e.g. {@code order}
 * @param present the keys the store holds
 */
public record NoAcknowledgedWriteLost(String kind, Set<String> present) implements Checker {

    @Override
    public Check check(History history) {
        String invariant = "every acknowledged " + kind + " is stored, nothing unasked for is";
        List<Operation> operations = history.operations(kind);
        List<Operation> lost = operations.stream()
                .filter(op -> op.outcome() == Outcome.OK && !present.contains(op.key()))
                .toList();
        Set<String> invoked = operations.stream().map(Operation::key).collect(java.util.stream.Collectors.toSet());
        List<String> phantoms =
                present.stream().filter(key -> !invoked.contains(key)).toList();
        long acknowledged =
                operations.stream().filter(op -> op.outcome() == Outcome.OK).count();
        String counts = acknowledged + " acknowledged, " + present.size() + " stored";
        if (lost.isEmpty() && phantoms.isEmpty()) {
            return Check.pass(invariant, counts);
        }
        return Check.fail(
                invariant,
                counts + "; lost " + lost.size() + " " + first(lost) + "; stored but never sent " + phantoms.size()
                        + " " + first(phantoms));
    }

    static String first(List<?> items) {
        return items.subList(0, Math.min(3, items.size())).toString();
    }
}
