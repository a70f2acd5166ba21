package dev.ballast.test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock for tests of code that also reads a database's clock: real time plus whatever the test advanced. Following
 * real time keeps it at or after the database's clock (which stamps rows as they are written), so a new row is due at
 * once; {@link #advance} makes leases run out and backoffs and pauses pass without sleeping. Thread-safe.
 */
public final class AdvancingClock implements InstantSource {

    private final AtomicLong advancedMillis = new AtomicLong();

    /** Creates a clock that reads real time until the test advances it. */
    public AdvancingClock() {}

    /**
     * Moves this clock ahead of real time (cumulative).
     *
     * @param period how far further ahead
     */
    public void advance(Duration period) {
        advancedMillis.addAndGet(period.toMillis());
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + advancedMillis.get();
    }
}
