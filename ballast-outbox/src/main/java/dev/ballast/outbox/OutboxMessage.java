package dev.ballast.outbox;

import java.time.Instant;
import java.util.Map;

/**
 * A stored event on its way to the broker, as the relay hands it to an {@link OutboxPublisher}. Its payload has been
 * checked against the stored content hash. Immutable (the payload is copied out).
 *
 * @param eventId time-ordered unique id (a UUIDv7 string); use it as the message id so consumers can drop duplicates
 * @param aggregateSequence position of the event within its aggregate, from 1
 * @param attempt 1 for the first delivery attempt
 */
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
        int attempt) {

    public OutboxMessage {
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
        return "OutboxMessage[" + eventType + " " + eventId + " of " + aggregateType + " " + aggregateId + " #"
                + aggregateSequence + ", attempt " + attempt + "]";
    }
}
