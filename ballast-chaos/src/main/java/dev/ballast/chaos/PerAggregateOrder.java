package dev.ballast.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * At a consumer, each aggregate's events arrive in the order the outbox gave them: in the order a consumer read them,
 * every sequence number seen for the first time is the one after the highest seen so far for its aggregate, and an
 * aggregate's first is 1 (the outbox numbers each aggregate's events from 1, and the consumer reads from the start); a
 * sequence seen before may come again (at-least-once redelivery). An event arriving before an earlier one of its
 * aggregate, or a sequence skipped, is a violation. The deliveries are the evidence; the client history is not read.
 * Immutable.
 *
 * @param deliveries what the consumer read, in the order it read it (one partition or queue after another is fine:
 *     an aggregate's events share one)
 */
public record PerAggregateOrder(List<Delivery> deliveries) implements Checker {

    /**
     * One message as the consumer read it.
     *
     * @param aggregateId the aggregate it belongs to (header {@code ballast-aggregate-id})
     * @param sequence its sequence within the aggregate (header {@code ballast-sequence})
     */
    public record Delivery(String aggregateId, long sequence) {}

    public PerAggregateOrder {
        deliveries = List.copyOf(deliveries);
    }

    @Override
    public Check check(History history) {
        String invariant = "per-aggregate order at the consumer";
        Map<String, Long> highest = new HashMap<>();
        Map<String, Set<Long>> seen = new HashMap<>();
        List<String> violations = new ArrayList<>();
        long redeliveries = 0;
        for (Delivery delivery : deliveries) {
            Set<Long> sequences = seen.computeIfAbsent(delivery.aggregateId(), id -> new HashSet<>());
            Long top = highest.get(delivery.aggregateId());
            if (sequences.contains(delivery.sequence())) {
                redeliveries++;
                continue;
            }
            if (top != null && delivery.sequence() != top + 1) {
                violations.add(delivery.aggregateId() + ": " + delivery.sequence() + " after " + top);
            } else if (top == null && delivery.sequence() != 1) {
                violations.add(delivery.aggregateId() + ": starts at " + delivery.sequence());
            }
            sequences.add(delivery.sequence());
            highest.merge(delivery.aggregateId(), delivery.sequence(), Math::max);
        }
        long longest = highest.isEmpty()
                ? 0
                : seen.values().stream().mapToLong(Set::size).max().orElse(0);
        long longer =
                seen.values().stream().filter(sequences -> sequences.size() > 1).count();
        String counts = deliveries.size() + " deliveries of " + highest.size() + " aggregates (the longest " + longest
                + (longest == 1 ? " event" : " events") + (longer > 0 ? ", " + longer + " with more than one" : "")
                + "), " + redeliveries + " redelivered";
        return violations.isEmpty()
                ? Check.pass(invariant, counts)
                : Check.fail(
                        invariant,
                        counts + "; " + violations.size() + " out of order: "
                                + NoAcknowledgedWriteLost.first(violations));
    }
}
