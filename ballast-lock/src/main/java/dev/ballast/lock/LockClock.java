package dev.ballast.lock;

import java.util.concurrent.Future;

/**
 * Where a lock strategy reads time and runs its timers: lease validity and renewal, wait deadlines, and the resilient
 * strategy's refresh, watchdog and probes. Strategies built without one use the system clock ({@link System#nanoTime()})
 * with timer threads of their own; tests pass a clock they advance by hand, so they drive time instead of sleeping.
 *
 * <p>A strategy given a clock runs its timer tasks on the clock's thread: such a task is short, at most one backend round
 * trip (a renewal, a mode read). Implementations are thread-safe.
 */
public interface LockClock {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}: only differences between two readings mean anything. */
    long nanoTime();

    /**
     * Runs {@code task} once, {@code delayNanos} from now by this clock. Cancelling the returned future before the task
     * starts keeps it from running.
     */
    Future<?> schedule(Runnable task, long delayNanos);
}
