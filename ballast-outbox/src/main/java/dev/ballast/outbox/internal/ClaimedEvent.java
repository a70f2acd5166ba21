package dev.ballast.outbox.internal;

import dev.ballast.outbox.OutboxMessage;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A row claimed by a relay; {@code attempts} already counts this attempt (it is incremented at claim). */
@SuppressWarnings("ArrayRecordComponent") // the payload bytes as given: copying every event costs, equals is not used
record ClaimedEvent(
        long id,
        String eventId,
        String requestId,
        String aggregateType,
        String aggregateId,
        long aggregateSeq,
        String eventType,
        byte[] payload,
        String headersJson,
        String contentHash,
        @Nullable Integer keyVersion,
        Instant createdAt,
        int attempts,
        @Nullable String attemptLog) {

    byte[] hashedContent() {
        return ContentHash.content(
                eventId, requestId, aggregateType, aggregateId, aggregateSeq, eventType, headersJson, payload);
    }

    OutboxMessage message() {
        return new OutboxMessage(
                eventId,
                requestId,
                aggregateType,
                aggregateId,
                aggregateSeq,
                eventType,
                payload,
                Json.headers(headersJson),
                createdAt,
                attempts,
                contentHash,
                keyVersion);
    }
}
