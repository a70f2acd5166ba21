package dev.ballast.outbox;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A relay clock for tests: real time plus whatever the test advanced. Following real time keeps it at or after the
 * database's clock, which stamps appends, so new events are due at once; {@link #advance} makes leases run out and
 * backoffs and pauses pass without sleeping. Thread-safe.
 */
public final class TestClock implements InstantSource {

    private final AtomicLong advancedMillis = new AtomicLong();

    /** Moves this clock {@code period} ahead of real time (cumulative). */
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
