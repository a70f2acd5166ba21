package dev.ballast.outbox.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What became of one claimed aggregate's events in a batch, as the batch's completion writes it. Made by the batch
 * once its publishing is over; immutable.
 *
 * @param published events the publisher acknowledged
 * @param dead events given up on, in the order they died
 * @param notAttempted events claimed but not attempted (after a retry or a block, or in an outage): their claimed
 *     attempt is given back
 * @param retry the event that failed and is retried later, if any (later events were not attempted)
 * @param blockedBy the event id that blocks the aggregate ({@code BLOCK} policy), if any
 * @param attemptedTo the last sequence number whose outcome this batch writes (nothing after it was in flight), or -1
 *     to keep the aggregate's crash mark (an event claimed alone after crashes: later events of the crashed claims
 *     have not been tried since)
 */
record AggregateOutcome(
        String type,
        String id,
        List<ClaimedEvent> published,
        List<DeadEvent> dead,
        List<ClaimedEvent> notAttempted,
        @Nullable Retry retry,
        @Nullable String blockedBy,
        long attemptedTo) {

    AggregateOutcome {
        published = List.copyOf(published);
        dead = List.copyOf(dead);
        notAttempted = List.copyOf(notAttempted);
    }

    /** An event to try again after {@code delayMillis}, with the failure that goes into its attempt log. */
    record Retry(ClaimedEvent event, Throwable error, long delayMillis) {}

    /** Events whose state the completion changes: published or dead. */
    int done() {
        return published.size() + dead.size();
    }

    /** How long until the aggregate is due again: the retry's delay, or 0. */
    long delayMillis() {
        return retry == null ? 0 : retry.delayMillis();
    }
}
