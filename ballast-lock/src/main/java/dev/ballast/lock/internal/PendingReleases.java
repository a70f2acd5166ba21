package dev.ballast.lock.internal;

import dev.ballast.lock.LockClock;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases that did not get through (the backend unreachable or not answering) or acquisitions whose answer never came,
 * retried in the background until they get through or are no longer worth it. One drainer at a time, on the
 * background executor (virtual threads: an attempt may wait for the backend's timeout, and the clock's timer renews
 * every other lease), starting {@code firstRetryNanos} after the first release is queued (each was just tried, or its
 * acquisition just failed): it tries the releases in order and, at the first failure, waits again, doubling up to
 * {@code maxRetryNanos}; a success resets the wait. So an outage costs one attempt per wait, whatever the number of pending
 * releases, and they all go out as soon as the backend answers. At most {@link #CAPACITY} are kept; beyond that the
 * oldest is dropped (its key stays held until its lease runs out, as without this class), and a warning says so.
 *
 * <p>Concurrency: any thread may {@link #add}; the queue and {@code draining} are guarded by this object; only the one
 * drainer that {@code draining} admits runs {@link #drain}.
 */
final class PendingReleases {

    /** The most releases kept waiting. */
    static final int CAPACITY = 10_000;

    private static final Logger log = LoggerFactory.getLogger(PendingReleases.class);

    /** What to release, and whether it is still worth trying (the lease has not run out yet). */
    record Release(String key, String owner, BooleanSupplier worthTrying) {}

    /** One release attempt at the backend; true if it got through. */
    @FunctionalInterface
    interface Attempt {
        boolean release(String key, String owner);
    }

    private final LockClock clock;
    private final Executor background;
    private final Attempt attempt;
    private final BooleanSupplier closed;
    private final long firstRetryNanos;
    private final long maxRetryNanos;
    private final ArrayDeque<Release> queue = new ArrayDeque<>();
    private boolean draining;
    private long retryNanos;
    private long dropped;

    PendingReleases(
            LockClock clock,
            Executor background,
            Attempt attempt,
            BooleanSupplier closed,
            long firstRetryNanos,
            long maxRetryNanos) {
        this.clock = clock;
        this.background = background;
        this.attempt = attempt;
        this.closed = closed;
        this.firstRetryNanos = firstRetryNanos;
        this.maxRetryNanos = maxRetryNanos;
        this.retryNanos = firstRetryNanos;
    }

    /** Queues {@code release}; a drainer is scheduled unless one is running or waiting to retry. */
    void add(Release release) {
        synchronized (this) {
            if (queue.size() == CAPACITY) {
                queue.pollFirst();
                if (dropped++ % 1_000 == 0) {
                    log.warn(
                            "{} lock releases are waiting for the backend to answer; the oldest are dropped (their"
                                    + " keys stay held until their leases run out), {} so far",
                            CAPACITY,
                            dropped);
                }
            }
            queue.addLast(release);
            if (draining) {
                return;
            }
            draining = true;
            retryNanos = firstRetryNanos;
        }
        scheduleDrainer();
    }

    /**
     * Tries {@code release} at once on the background executor, so the caller does not wait on the backend; one that
     * does not get through is queued as by {@link #add}.
     */
    void addNow(Release release) {
        try {
            background.execute(() -> {
                if (!closed.getAsBoolean()
                        && release.worthTrying().getAsBoolean()
                        && !attempt.release(release.key(), release.owner())) {
                    add(release);
                }
            });
        } catch (RuntimeException rejected) {
            // the strategy is closing, its executor with it: the lease runs out on its own
        }
    }

    /** Pending releases (for tests and diagnostics). */
    synchronized int size() {
        return queue.size();
    }

    /** Runs {@link #drain} on the background executor once the current wait is over, then doubles the wait. */
    private void scheduleDrainer() {
        long wait;
        synchronized (this) {
            wait = retryNanos;
            retryNanos = Math.min(2 * retryNanos, maxRetryNanos);
        }
        try {
            var unused = clock.schedule(
                    () -> {
                        try {
                            background.execute(this::drain);
                        } catch (RuntimeException rejected) {
                            stopDraining();
                        }
                    },
                    wait);
        } catch (RuntimeException stopped) {
            stopDraining(); // the strategy is closing, and its clock's timer or its executor with it
        }
    }

    private synchronized void stopDraining() {
        queue.clear();
        draining = false;
    }

    private void drain() {
        while (true) {
            Release next;
            synchronized (this) {
                next = closed.getAsBoolean() ? null : queue.pollFirst();
                if (next == null) {
                    queue.clear();
                    draining = false;
                    return;
                }
            }
            if (!next.worthTrying().getAsBoolean()) {
                continue;
            }
            if (attempt.release(next.key(), next.owner())) {
                synchronized (this) {
                    retryNanos = firstRetryNanos;
                }
                continue;
            }
            synchronized (this) {
                if (queue.size() < CAPACITY) {
                    queue.addFirst(next); // still the oldest: tried first next time
                } else {
                    dropped++; // the queue filled while it was tried: it is the oldest, so it is the one dropped
                }
            }
            scheduleDrainer();
            return;
        }
    }
}
