package dev.ballast.outbox;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A stored event on its way to the broker, as the relay hands it to an {@link OutboxPublisher}. Its payload has been
 * checked against the stored content hash. Immutable (the payload is copied out).
 *
 * @param eventId time-ordered unique id (a UUIDv7 string); use it as the message id so consumers can drop duplicates
 * @param aggregateSequence position of the event within its aggregate, from 1
 * @param attempt 1 for the first delivery attempt
 * @param contentHash the stored integrity hash (lowercase hex) that the relay checked; consumers verify it again
 *     (see {@code dev.ballast.outbox.inbox.Inbox})
 * @param keyVersion the HMAC key version of {@code contentHash}, or null for plain SHA-256
 */
@SuppressWarnings("ArrayRecordComponent") // the payload bytes as given: copying every event costs, equals is not used
public record OutboxMessage(
        String eventId,
        String requestId,
        String aggregateType,
        String aggregateId,
        long aggregateSequence,
        String eventType,
        byte[] payload,
        Map<String, String> headers,
        Instant createdAt,
        int attempt,
        String contentHash,
        @Nullable Integer keyVersion) {

    public OutboxMessage {
        payload = payload.clone();
        headers = Map.copyOf(headers);
    }

    /**
     * How {@link #contentHash()} was computed, as carried in the {@code ballast-content-hash-format} header:
     * {@code sha256-v2}, or {@code hmac-sha256-v2;key=<version>}.
     */
    public String contentHashFormat() {
        return keyVersion == null ? "sha256-v2" : "hmac-sha256-v2;key=" + keyVersion;
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public String toString() {
        return "OutboxMessage[" + eventType + " " + eventId + " of " + aggregateType + " " + aggregateId + " #"
                + aggregateSequence + ", attempt " + attempt + "]";
    }
}
