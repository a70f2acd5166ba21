package dev.ballast.alert.internal;

/**
 * A token bucket with a pause the receiver can impose ({@code 429 Retry-After}, Discord's reset headers). Time in
 * nanoseconds is passed in. Confined to one channel worker thread.
 */
final class RateGate {

    private final double perNano;
    private final double burst;
    private double tokens;
    private long refilledAt;
    private long pausedUntil;

    RateGate(double perSecond, int burst, long now) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.refilledAt = now;
        this.pausedUntil = now;
    }

    /** Takes a token and returns 0, or returns how long to wait before asking again. */
    long acquire(long now) {
        if (now - pausedUntil < 0) {
            return pausedUntil - now;
        }
        tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }

    /** No request before {@code now + nanos}; the bucket starts empty after the pause. */
    void pause(long now, long nanos) {
        if (nanos > 0 && now + nanos - pausedUntil > 0) {
            pausedUntil = now + nanos;
            tokens = 0;
            refilledAt = pausedUntil;
        }
    }
}
