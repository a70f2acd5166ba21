package dev.ballast.outbox.internal;

import java.time.InstantSource;

/**
 * The relay's "now" on the database: the database's own clock, shifted by how far the relay's clock is from the
 * system clock. The shift is zero for the system clock (the default), so every relay judges leases and retry times by
 * the one clock they share, whatever the skew between their hosts; a test passes a clock it advances and leases run
 * out, backoffs pass, without sleeping. The SQL takes the shift as a bound parameter ({@link
 * OutboxDialect#nowPlusMillis}). Immutable and thread-safe.
 */
public final class RelayTime {

    private final InstantSource clock;
    private final boolean system;

    RelayTime(InstantSource clock) {
        this.clock = clock;
        this.system = clock.equals(InstantSource.system());
    }

    /** Milliseconds to add to the database's clock: 0 for the system clock. */
    long shiftMillis() {
        return system ? 0 : clock.millis() - System.currentTimeMillis();
    }

    /** The relay clock itself, for what the relay judges in Java (attempt logs, heartbeats). */
    InstantSource clock() {
        return clock;
    }
}
