package dev.ballast.outbox;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An event in the dead-letter table, byte for byte as it was stored, with why it died and what was tried. Immutable
 * (the payload is copied out).
 *
 * @param attemptHistory JSON array of the failed attempts, newest last: fields {@code "attempt"}, {@code "at"}, {@code "error"}
 * @param state {@code DEAD}, {@code REPLAYED} or {@code DISCARDED}
 */
@SuppressWarnings("ArrayRecordComponent") // the payload bytes as stored: copying every event costs, equals is not used
public record DeadLetter(
        String eventId,
        String requestId,
        String aggregateType,
        String aggregateId,
        long aggregateSequence,
        String eventType,
        byte[] payload,
        Map<String, String> headers,
        String contentHash,
        @Nullable Integer keyVersion,
        Instant createdAt,
        DeadLetterReason reason,
        @Nullable String errorClass,
        @Nullable String errorMessage,
        int attempts,
        String attemptHistory,
        Instant deadAt,
        String state,
        @Nullable String resolvedBy,
        @Nullable Instant resolvedAt,
        @Nullable String resolutionNote) {

    public DeadLetter {
        payload = payload.clone();
        headers = Map.copyOf(headers);
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public String toString() {
        return "DeadLetter[" + eventType + " " + eventId + " of " + aggregateType + " " + aggregateId + ", " + reason
                + ", " + state + "]";
    }
}
