package dev.ballast.outbox;

import dev.ballast.core.KeyRejectedException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An event to append: who asked ({@code requestId}, the idempotency key), what it is about ({@code aggregateType} and
 * {@code aggregateId}, the ordering key), what happened ({@code eventType}), the exact bytes to publish and string
 * headers. Validated at construction; immutable (the payload is copied in and out).
 *
 * @param requestId 1 to 200 characters without control characters; the same request appended twice is stored once
 * @param aggregateType 1 to 100 characters, e.g. {@code Order}
 * @param aggregateId 1 to 200 characters; events of one aggregate are published in append order, one at a time
 * @param eventType 1 to 200 characters, e.g. {@code OrderPlaced}
 * @param payload the bytes published, unchanged
 * @param headers at most 50 entries; names 1 to 100 characters, values up to 1,000
 */
@SuppressWarnings("ArrayRecordComponent") // the payload bytes as given: copying every event costs, equals is not used
public record OutboxEvent(
        String requestId,
        String aggregateType,
        String aggregateId,
        String eventType,
        byte[] payload,
        Map<String, String> headers) {

    private static final int MAX_HEADERS = 50;

    public OutboxEvent {
        requireText("requestId", requestId, 200);
        requireText("aggregateType", aggregateType, 100);
        requireText("aggregateId", aggregateId, 200);
        requireText("eventType", eventType, 200);
        Objects.requireNonNull(payload, "payload");
        payload = payload.clone();
        Objects.requireNonNull(headers, "headers");
        if (headers.size() > MAX_HEADERS) {
            throw new IllegalArgumentException(
                    "Outbox event has " + headers.size() + " headers, at most " + MAX_HEADERS + " are allowed");
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        headers.forEach((name, value) -> {
            requireText("header name", name, 100);
            if (value == null || value.length() > 1000) {
                throw new IllegalArgumentException("Outbox header '" + name + "' must have a value of at most 1000"
                        + " characters, was " + (value == null ? "null" : value.length() + " characters"));
            }
            sorted.put(name, value);
        });
        headers = java.util.Collections.unmodifiableSortedMap(sorted);
    }

    /** An event without headers. */
    public static OutboxEvent of(
            String requestId, String aggregateType, String aggregateId, String eventType, byte[] payload) {
        return new OutboxEvent(requestId, aggregateType, aggregateId, eventType, payload, Map.of());
    }

    /** A copy with one more header. */
    public OutboxEvent withHeader(String name, String value) {
        TreeMap<String, String> more = new TreeMap<>(headers);
        more.put(name, value);
        return new OutboxEvent(requestId, aggregateType, aggregateId, eventType, payload, more);
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OutboxEvent that
                && requestId.equals(that.requestId)
                && aggregateType.equals(that.aggregateType)
                && aggregateId.equals(that.aggregateId)
                && eventType.equals(that.eventType)
                && Arrays.equals(payload, that.payload)
                && headers.equals(that.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, aggregateType, aggregateId, eventType, Arrays.hashCode(payload), headers);
    }

    @Override
    public String toString() {
        return "OutboxEvent[" + eventType + " of " + aggregateType + " " + aggregateId + ", request " + requestId + ", "
                + payload.length + " bytes]";
    }

    static void requireText(String what, String value, int max) {
        if (value == null) {
            throw new IllegalArgumentException("Outbox " + what + " must be 1 to " + max + " characters, was null");
        }
        if (value.isEmpty() || value.length() > max) {
            throw new KeyRejectedException(
                    "Outbox " + what + " must be 1 to " + max + " characters, was " + value.length() + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new KeyRejectedException(
                        "Outbox " + what + " must not contain control characters (index " + i + ")");
            }
        }
    }
}
