package dev.ballast.outbox.internal;

import dev.ballast.outbox.OutboxMessage;
import org.jspecify.annotations.Nullable;

/**
 * A row claimed by a relay: the event as stored, its row id, and its attempts; {@code attempts} already counts this
 * attempt (it is incremented at claim). Immutable. The three names every log line and alert of the relay carries are
 * at hand; the rest is in {@link #stored()}.
 */
record ClaimedEvent(
        long id, StoredEvent stored, int attempts, @Nullable String attemptLog) {

    /**
     * Earlier claims of this event that wrote no outcome (the relay died or hung with it, or its completion was lost)
     * since its last recorded failure: its attempts before this claim minus the attempt number of the newest entry of
     * its attempt log. A failed publish logs its attempt, a publish or dead letter ends the event, and an attempt not
     * made is given back, so only a claim without an outcome leaves one counted.
     */
    int unrecordedClaims() {
        int earlier = attempts - 1;
        return earlier <= 0 ? 0 : Math.max(0, earlier - AttemptLog.lastAttempt(attemptLog));
    }

    String eventId() {
        return stored.eventId();
    }

    String aggregateType() {
        return stored.aggregateType();
    }

    String aggregateId() {
        return stored.aggregateId();
    }

    OutboxMessage message() {
        return new OutboxMessage(
                stored.eventId(),
                stored.requestId(),
                stored.aggregateType(),
                stored.aggregateId(),
                stored.aggregateSeq(),
                stored.eventType(),
                stored.payload(),
                Json.headers(stored.headersJson()),
                stored.createdAt(),
                attempts,
                stored.contentHash(),
                stored.keyVersion());
    }
}
