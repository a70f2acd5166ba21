package dev.ballast.alert.internal;

/**
 * Opens after {@code threshold} messages in a row failed every attempt; while open, messages go to the fallback
 * without a request; after {@code openNanos} one message is tried (half open). Time in nanoseconds is passed in.
 * Written by one channel worker thread; {@link #state} is read by the metrics thread.
 */
final class Breaker {

    static final int CLOSED = 0;
    static final int HALF_OPEN = 1;
    static final int OPEN = 2;

    private final int threshold;
    private final long openNanos;
    private int failures;
    private long openUntil;
    private volatile int state = CLOSED;

    Breaker(int threshold, long openNanos) {
        this.threshold = threshold;
        this.openNanos = openNanos;
    }

    boolean allows(long now) {
        if (state == OPEN) {
            if (now - openUntil < 0) {
                return false;
            }
            state = HALF_OPEN;
        }
        return true;
    }

    void success() {
        failures = 0;
        state = CLOSED;
    }

    /** Returns whether this failure opened the breaker. */
    boolean failure(long now) {
        failures++;
        if (state == HALF_OPEN || failures >= threshold) {
            boolean opened = state != OPEN;
            state = OPEN;
            openUntil = now + openNanos;
            return opened;
        }
        return false;
    }

    int state() {
        return state;
    }
}
