package dev.ballast.lock.resilient;

import dev.ballast.lock.LockListener.BreakerState;

/**
 * This instance's opinion of the primary backend: CLOSED after successes, OPEN after {@code failureThreshold}
 * consecutive infrastructure failures, HALF_OPEN while probes succeed, CLOSED again after {@code probeSuccesses} in a row.
 * Instances do not share breakers; the {@link ModeAuthority} turns an opinion into the mode everyone follows.
 * Thread-safe.
 */
final class Breaker {

    private final int failureThreshold;
    private final int probeSuccesses;
    private BreakerState state = BreakerState.CLOSED;
    private int failures;
    private int successes;
    private long failuresSeen;
    private long outcomes;

    Breaker(int failureThreshold, int probeSuccesses) {
        this.failureThreshold = failureThreshold;
        this.probeSuccesses = probeSuccesses;
    }

    synchronized BreakerState state() {
        return state;
    }

    /** A call succeeded in normal operation. */
    synchronized BreakerState success() {
        outcomes++;
        failures = 0;
        return state;
    }

    /**
     * How many successes and failures this breaker was told of, ever (probes' successes while it is open excepted): an
     * unchanged reading between two probe rounds means nobody used the primary meanwhile.
     */
    synchronized long outcomes() {
        return outcomes;
    }

    /** Every failure this breaker was told of, ever: a caller compares two readings to learn whether one came between. */
    synchronized long failuresSeen() {
        return failuresSeen;
    }

    /** An infrastructure failure; returns the state after it. */
    synchronized BreakerState failure() {
        outcomes++;
        failuresSeen++;
        successes = 0;
        failures++;
        if (state == BreakerState.HALF_OPEN || failures >= failureThreshold) {
            state = BreakerState.OPEN;
        }
        return state;
    }

    /** A probe of the primary succeeded; returns the state after it. */
    synchronized BreakerState probeSucceeded() {
        failures = 0;
        successes++;
        state = successes >= probeSuccesses ? BreakerState.CLOSED : BreakerState.HALF_OPEN;
        return state;
    }

    /** The authority moved everyone off the primary: distrust it until probes succeed again. */
    synchronized BreakerState open() {
        state = BreakerState.OPEN;
        successes = 0;
        return state;
    }
}
