package dev.ballast.cache;

import java.nio.ByteBuffer;

/**
 * The bytes of an L2 entry: magic {@code 'B'}, format, kind (value or "no value"), the load time in milliseconds and the
 * logical expiry (epoch milliseconds) that early refresh needs, then the codec's bytes. The Redis TTL of the entry is
 * longer than its logical expiry by the stale TTL, so an expired value can still be served stale. Stateless.
 */
final class Envelope {

    static final int HEADER = 15;
    private static final byte MAGIC = 'B';
    private static final byte FORMAT = 2;
    private static final byte KIND_VALUE = 0;
    private static final byte KIND_ABSENT = 1;

    private Envelope() {}

    /** A decoded header; the codec's bytes start at {@link #HEADER}. */
    record Header(boolean absent, int deltaMillis, long expiresAtMillis) {}

    static byte[] value(byte[] payload, int deltaMillis, long expiresAtMillis) {
        return write(KIND_VALUE, payload, deltaMillis, expiresAtMillis);
    }

    static byte[] absent(int deltaMillis, long expiresAtMillis) {
        return write(KIND_ABSENT, new byte[0], deltaMillis, expiresAtMillis);
    }

    private static byte[] write(byte kind, byte[] payload, int deltaMillis, long expiresAtMillis) {
        ByteBuffer out = ByteBuffer.allocate(HEADER + payload.length);
        out.put(MAGIC)
                .put(FORMAT)
                .put(kind)
                .putInt(deltaMillis)
                .putLong(expiresAtMillis)
                .put(payload);
        return out.array();
    }

    /**
     * Reads the header.
     *
     * @throws IllegalArgumentException if the bytes are not an entry of this format
     */
    static Header header(byte[] bytes) {
        if (bytes.length < HEADER || bytes[0] != MAGIC || bytes[1] != FORMAT) {
            throw new IllegalArgumentException("not a Ballast cache entry of format " + FORMAT);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 3, HEADER - 3);
        int delta = in.getInt();
        long expiresAt = in.getLong();
        if (delta < 0) {
            throw new IllegalArgumentException("negative load time " + delta);
        }
        return switch (bytes[2]) {
            case KIND_VALUE -> new Header(false, delta, expiresAt);
            case KIND_ABSENT -> {
                if (bytes.length != HEADER) {
                    throw new IllegalArgumentException("a \"no value\" entry with a payload");
                }
                yield new Header(true, delta, expiresAt);
            }
            default -> throw new IllegalArgumentException("unknown entry kind " + bytes[2]);
        };
    }
}
