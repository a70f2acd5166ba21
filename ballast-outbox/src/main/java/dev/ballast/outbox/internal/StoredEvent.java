package dev.ballast.outbox.internal;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * An event as {@code <prefix>outbox} stores it: what the append wrote, the integrity hash over it, and no relay state.
 * A claimed event ({@link ClaimedEvent}) and a dead letter ({@link DeadLetterRow}) each carry one, so the stored
 * fields are named once. Immutable apart from the payload array, which nobody writes.
 */
@SuppressWarnings("ArrayRecordComponent") // the payload bytes as read: copying every event costs, equals is not used
record StoredEvent(
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
        Instant createdAt) {

    /** The bytes the integrity hash covers, recomputed from the stored fields (see {@link ContentHash#content}). */
    byte[] hashedContent() {
        return ContentHash.content(
                eventId, requestId, aggregateType, aggregateId, aggregateSeq, eventType, headersJson, payload);
    }
}
