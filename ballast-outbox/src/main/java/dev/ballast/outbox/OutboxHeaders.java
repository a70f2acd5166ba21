package dev.ballast.outbox;

import dev.ballast.outbox.internal.MessageCodec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The message headers every Ballast broker publisher (Kafka, RabbitMQ) sets, and their reading back on the consumer
 * side. Values are UTF-8 text. The content hash lets a consumer check that what it received is what was appended (see
 * {@code dev.ballast.outbox.inbox.Inbox}).
 *
 * <table>
 *   <caption>Headers</caption>
 *   <tr><th>name</th><th>value</th></tr>
 *   <tr><td>{@value #EVENT_ID}</td><td>the event id (a UUIDv7 string): the consumer's de-duplication key</td></tr>
 *   <tr><td>{@value #EVENT_TYPE}</td><td>e.g. {@code OrderPlaced}</td></tr>
 *   <tr><td>{@value #AGGREGATE_TYPE}, {@value #AGGREGATE_ID}</td><td>the aggregate</td></tr>
 *   <tr><td>{@value #SEQUENCE}</td><td>position within the aggregate, from 1</td></tr>
 *   <tr><td>{@value #REQUEST_ID}</td><td>the idempotency key the event was appended with</td></tr>
 *   <tr><td>{@value #OCCURRED_AT}</td><td>append time, ISO-8601</td></tr>
 *   <tr><td>{@value #HEADERS}</td><td>the event's own headers as canonical JSON (keys sorted)</td></tr>
 *   <tr><td>{@value #CONTENT_HASH}, {@value #CONTENT_HASH_FORMAT}</td><td>the stored integrity hash (hex) and
 *       {@code sha256-v2} or {@code hmac-sha256-v2;key=<version>}</td></tr>
 *   <tr><td>{@value #TRACEPARENT}</td><td>W3C trace context, when the event carries one in its headers</td></tr>
 * </table>
 */
public final class OutboxHeaders {

    public static final String EVENT_ID = "ballast-event-id";
    public static final String EVENT_TYPE = "ballast-event-type";
    public static final String AGGREGATE_TYPE = "ballast-aggregate-type";
    public static final String AGGREGATE_ID = "ballast-aggregate-id";
    public static final String SEQUENCE = "ballast-sequence";
    public static final String REQUEST_ID = "ballast-request-id";
    public static final String OCCURRED_AT = "ballast-occurred-at";
    public static final String HEADERS = "ballast-headers";
    public static final String CONTENT_HASH = "ballast-content-hash";
    public static final String CONTENT_HASH_FORMAT = "ballast-content-hash-format";
    /** The W3C trace context header, copied from the event's own {@code traceparent} header when it has one. */
    public static final String TRACEPARENT = "traceparent";

    private static final String HMAC_PREFIX = "hmac-sha256-v2;key=";

    private OutboxHeaders() {}

    /** The headers for {@code message}, in a fixed order. */
    public static Map<String, String> of(OutboxMessage message) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(EVENT_ID, message.eventId());
        headers.put(EVENT_TYPE, message.eventType());
        headers.put(AGGREGATE_TYPE, message.aggregateType());
        headers.put(AGGREGATE_ID, message.aggregateId());
        headers.put(SEQUENCE, Long.toString(message.aggregateSequence()));
        headers.put(REQUEST_ID, message.requestId());
        headers.put(OCCURRED_AT, message.createdAt().toString());
        headers.put(HEADERS, MessageCodec.headersJson(message.headers()));
        headers.put(CONTENT_HASH, message.contentHash());
        headers.put(CONTENT_HASH_FORMAT, message.contentHashFormat());
        String traceparent = message.headers().get(TRACEPARENT);
        if (traceparent != null) {
            headers.put(TRACEPARENT, traceparent);
        }
        return headers;
    }

    /**
     * Rebuilds the message a consumer received from its headers (looked up with {@code header}, null when absent) and
     * body. {@link OutboxMessage#attempt()} is 0: the consumer does not know it.
     *
     * @throws MalformedMessageException naming the header that is missing or unreadable
     */
    public static OutboxMessage read(Function<String, @Nullable String> header, byte[] payload) {
        String format = required(header, CONTENT_HASH_FORMAT);
        Integer keyVersion;
        if (format.equals("sha256-v2")) {
            keyVersion = null;
        } else if (format.startsWith(HMAC_PREFIX)) {
            keyVersion = parse(CONTENT_HASH_FORMAT, () -> Integer.valueOf(format.substring(HMAC_PREFIX.length())));
        } else {
            throw new MalformedMessageException("unknown " + CONTENT_HASH_FORMAT + " '" + clip(format) + "'");
        }
        String sequence = required(header, SEQUENCE);
        String occurredAt = required(header, OCCURRED_AT);
        String headersJson = required(header, HEADERS);
        return new OutboxMessage(
                required(header, EVENT_ID),
                required(header, REQUEST_ID),
                required(header, AGGREGATE_TYPE),
                required(header, AGGREGATE_ID),
                parse(SEQUENCE, () -> Long.parseLong(sequence)),
                required(header, EVENT_TYPE),
                payload,
                parse(HEADERS, () -> MessageCodec.parseHeaders(headersJson)),
                parse(OCCURRED_AT, () -> Instant.parse(occurredAt)),
                0,
                required(header, CONTENT_HASH),
                keyVersion);
    }

    /** A received message lacks a Ballast header or has one that cannot be read. */
    public static final class MalformedMessageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedMessageException(String message) {
            super(message);
        }

        /** What is malformed; never null. */
        @Override
        public String getMessage() {
            return Objects.requireNonNull(super.getMessage());
        }
    }

    private static String required(Function<String, @Nullable String> header, String name) {
        String value = header.apply(name);
        if (value == null) {
            throw new MalformedMessageException("missing header " + name);
        }
        return value;
    }

    private static <T> T parse(String name, java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (RuntimeException e) {
            throw new MalformedMessageException(
                    "unreadable header " + name + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String clip(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
