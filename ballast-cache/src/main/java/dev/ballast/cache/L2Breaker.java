package dev.ballast.cache;

/**
 * This instance's opinion of Redis for one cache: CLOSED (use it), OPEN after {@code threshold} consecutive failures
 * (do not call it; a probe on its own thread decides when to close). Callers never pay for probes. Thread-safe.
 */
final class L2Breaker {

    /** Gauge values, as for the lock module's breaker: 0 closed, 2 open. */
    static final int CLOSED = 0;

    static final int OPEN = 2;

    private final int threshold;
    private int failures;
    private volatile int state = CLOSED;

    L2Breaker(int threshold) {
        this.threshold = threshold;
    }

    boolean closed() {
        return state == CLOSED;
    }

    int state() {
        return state;
    }

    synchronized void success() {
        failures = 0;
    }

    /** Counts a failure; true if this one opened the breaker. */
    synchronized boolean failure() {
        failures++;
        if (state == CLOSED && failures >= threshold) {
            state = OPEN;
            return true;
        }
        return false;
    }

    /** An operator opened it; true if it was closed. */
    synchronized boolean forceOpen() {
        if (state == CLOSED) {
            state = OPEN;
            return true;
        }
        return false;
    }

    /** A probe succeeded; true if this closed the breaker. */
    synchronized boolean probeSucceeded() {
        failures = 0;
        if (state == OPEN) {
            state = CLOSED;
            return true;
        }
        return false;
    }
}
