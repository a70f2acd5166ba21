package dev.ballast.outbox.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The byte strings that get hashed. Every field is length-prefixed, so no two different events share an encoding
 * (no "ab"+"c" = "a"+"bc" ambiguity).
 */
final class ContentHash {

    private ContentHash() {}

    /**
     * What the integrity hash covers: the identifying fields and the exact bytes that will be published, then the
     * per-aggregate sequence number. Two levels, {@code SHA-256(fields) || seq} (40 bytes): the sequence is handed out
     * by the database in the same statement that inserts the event, so on PostgreSQL the plain SHA-256 of this (see
     * {@link #fields}) is computed there, {@code sha256(fields || int8send(seq))}, and an append is one round trip.
     * HMAC mode hashes the same 40 bytes in Java.
     */
    static byte[] content(
            String eventId,
            String requestId,
            String aggregateType,
            String aggregateId,
            long aggregateSeq,
            String eventType,
            String headersJson,
            byte[] payload) {
        byte[] fields = fields(eventId, requestId, aggregateType, aggregateId, eventType, headersJson, payload);
        return ByteBuffer.allocate(fields.length + Long.BYTES) // big-endian, as PostgreSQL's int8send
                .put(fields)
                .putLong(aggregateSeq)
                .array();
    }

    /** The SHA-256 of every covered field but the sequence number. */
    static byte[] fields(
            String eventId,
            String requestId,
            String aggregateType,
            String aggregateId,
            String eventType,
            String headersJson,
            byte[] payload) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(2); // format version
            text(out, eventId);
            text(out, requestId);
            text(out, aggregateType);
            text(out, aggregateId);
            text(out, eventType);
            text(out, headersJson);
            out.writeInt(payload.length);
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256().digest(bytes.toByteArray());
    }

    /** The fingerprint of a request, to tell a repeated request from a different one under the same id. */
    static String request(
            String aggregateType, String aggregateId, String eventType, String headersJson, byte[] payload) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            text(out, aggregateType);
            text(out, aggregateId);
            text(out, eventType);
            text(out, headersJson);
            out.writeInt(payload.length);
            out.write(payload);
            return HexFormat.of().formatHex(sha256().digest(bytes.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
