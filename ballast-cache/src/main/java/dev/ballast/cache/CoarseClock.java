package dev.ballast.cache;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Wall-clock milliseconds for the L1 hit path, read from a field that one daemon thread refreshes every millisecond:
 * reading the system clock on every hit was a large share of an L1 hit's cost in {@code L1HitBenchmark}
 * (figures in docs/benchmarks.md). It can lag the real clock by a millisecond or two (more only if that thread is starved), which
 * delays a logical expiry or an early refresh by as much. Thread-safe.
 */
final class CoarseClock {

    private static volatile long millis = System.currentTimeMillis();

    static {
        Thread.ofPlatform().name("ballast-cache-clock").daemon().start(CoarseClock::tick);
    }

    private CoarseClock() {}

    static long millis() {
        return millis;
    }

    private static void tick() {
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            millis = System.currentTimeMillis();
        }
    }
}
