package dev.ballast.outbox.internal;

import java.security.SecureRandom;
import java.util.UUID;

/** UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits; sorts by creation time. */
final class EventIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private EventIds() {}

    static String next() {
        long millis = System.currentTimeMillis();
        long random = RANDOM.nextLong();
        long high = (millis << 16) | 0x7000L | ((random >>> 52) & 0x0FFFL);
        long low = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
