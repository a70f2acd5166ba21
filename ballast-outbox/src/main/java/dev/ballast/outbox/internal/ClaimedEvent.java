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
