package dev.ballast.cache;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default clock of every cache: wall-clock milliseconds read from a field that one daemon thread (started when
 * this class is first used) refreshes every millisecond: reading the system clock on every hit was a large share of
 * an L1 hit's cost in {@code L1HitBenchmark} (figures in docs/benchmarks.md). It can lag the real clock by a
 * millisecond or two (more only if that thread is starved), which delays a logical expiry or an early refresh by as
 * much.
 *
 * <p>The same thread runs the Caffeine maintenance of the L1 tiers that use this clock ({@link #MAINTENANCE}) after
 * each tick: draining the read and write buffers, evicting past the size bound. On the reading thread, that work fell
 * on the hit that found a read buffer full; on the common pool, it woke a pool thread after every L1 fill, which slowed
 * L2 hits on 2 cores (figures in docs/benchmarks.md). Here it costs a reader a queue offer and wakes no thread; it
 * runs up to a millisecond later (eviction lags by as much, as it does with Caffeine's default executor), and a writer
 * that finds Caffeine's write buffer full still does the work itself. Expiry is unaffected: Caffeine and the cache
 * check it on every read. Thread-safe.
 */
final class CoarseClock implements InstantSource {

    static final CoarseClock INSTANCE = new CoarseClock();

    /** Caffeine's executor for the L1 tiers: maintenance queued here runs on the clock thread after its next tick. */
    static final Executor MAINTENANCE = CoarseClock::defer;

    private static final Logger log = LoggerFactory.getLogger(CoarseClock.class);

    private static final ConcurrentLinkedQueue<Runnable> maintenance = new ConcurrentLinkedQueue<>();

    private static volatile long millis = System.currentTimeMillis();

    static {
        Thread.ofPlatform().name("ballast-cache-clock").daemon().start(CoarseClock::tick);
    }

    private CoarseClock() {}

    /** The coarse wall clock, read without a call through {@link InstantSource} (the L1 hit path uses this). */
    static long now() {
        return millis;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    private static void defer(Runnable task) {
        maintenance.offer(task); // Caffeine queues one task per cache until it has run: the queue stays short
    }

    private static void tick() {
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            millis = System.currentTimeMillis();
            for (Runnable task = maintenance.poll(); task != null; task = maintenance.poll()) {
                try {
                    task.run();
                } catch (Throwable e) { // the clock must keep ticking whatever a maintenance run throws
                    log.warn("L1 maintenance failed; the next write or full read buffer schedules it again", e);
                }
            }
        }
    }
}
