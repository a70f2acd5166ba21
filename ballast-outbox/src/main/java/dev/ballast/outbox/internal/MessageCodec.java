package dev.ballast.outbox.internal;

import dev.ballast.outbox.OutboxMessage;
import java.util.Map;

/** Shared by the broker publishers and the inbox: canonical headers JSON and the bytes the content hash covers. */
public final class MessageCodec {

    private MessageCodec() {}

    /** The canonical JSON (keys sorted) of an event's own headers, exactly as hashed at append. */
    public static String headersJson(Map<String, String> headers) {
        return Json.headers(headers);
    }

    /** Parses {@link #headersJson}; throws {@code tools.jackson.core.JacksonException} on malformed JSON. */
    public static Map<String, String> parseHeaders(String json) {
        return Json.headers(json);
    }

    /** The bytes the content hash of {@code message} covers (see {@code Integrity}). */
    public static byte[] hashedContent(OutboxMessage message) {
        return ContentHash.content(
                message.eventId(),
                message.requestId(),
                message.aggregateType(),
                message.aggregateId(),
                message.aggregateSequence(),
                message.eventType(),
                Json.headers(message.headers()),
                message.payload());
    }
}
