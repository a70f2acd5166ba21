package dev.ballast.cache;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The default clock of every cache: wall-clock milliseconds read from a field that one daemon thread (started when
 * this class is first used) refreshes every millisecond: reading the system clock on every hit was a large share of
 * an L1 hit's cost in {@code L1HitBenchmark} (figures in docs/benchmarks.md). It can lag the real clock by a
 * millisecond or two (more only if that thread is starved), which delays a logical expiry or an early refresh by as
 * much. The same thread keeps a monotonic counterpart, {@link #nanos()}, for L1's TTL (Caffeine's ticker). Thread-safe.
 */
final class CoarseClock implements InstantSource {

    static final CoarseClock INSTANCE = new CoarseClock();

    private static volatile long millis = System.currentTimeMillis();
    private static volatile long nanos = System.nanoTime();

    static {
        Thread.ofPlatform().name("ballast-cache-clock").daemon().start(CoarseClock::tick);
    }

    private CoarseClock() {}

    /** The coarse wall clock, read without a call through {@link InstantSource} (the L1 hit path uses this). */
    static long now() {
        return millis;
    }

    /**
     * {@link System#nanoTime()} as of the last tick: monotonic, refreshed every millisecond. L1's Caffeine reads it as
     * its ticker on every hit instead of the system's nanosecond clock, the largest single cost of a hit in
     * {@code L1HitBenchmark} on a virtual machine.
     */
    static long nanos() {
        return nanos;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    private static void tick() {
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            millis = System.currentTimeMillis();
            nanos = System.nanoTime();
        }
    }
}
