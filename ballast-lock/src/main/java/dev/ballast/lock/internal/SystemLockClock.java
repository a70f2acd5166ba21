package dev.ballast.lock.internal;

import dev.ballast.lock.LockClock;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default {@link LockClock}: {@link System#nanoTime()} and daemon timer threads of its own, made and closed by the
 * strategy that uses it (so one strategy's slow renewal never delays another's). Thread-safe.
 */
public final class SystemLockClock implements LockClock, AutoCloseable {

    private final ScheduledThreadPoolExecutor timer;

    /** A clock with {@code threads} timer threads named {@code <name>-<n>}. */
    public SystemLockClock(String name, int threads) {
        AtomicInteger count = new AtomicInteger();
        this.timer = new ScheduledThreadPoolExecutor(threads, runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Future<?> schedule(Runnable task, long delayNanos) {
        return timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /** Stops the timer threads; tasks not yet run never run. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
