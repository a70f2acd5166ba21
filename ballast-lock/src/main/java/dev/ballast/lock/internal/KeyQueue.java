package dev.ballast.lock.internal;

import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.internal.Waiter.State;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * This instance's waiters for one key, in arrival order. Only one of them, the contender, tries the backend; the others
 * wait in line. When a local holder lets go and the next in line is this instance's, the lock is handed on without
 * releasing it at the backend (no round trip while more than half the lease is left; a renewal first otherwise), up to
 * {@code maxHandoffs} holders in a row; then it is released at the backend and the next in line contends only after a
 * short pause, so other instances' contenders get their turn. So the backend sees at most one contender per key per
 * instance, whatever the number of waiters, and a release wakes one waiter, not all.
 *
 * <p>Concurrency: every field is guarded by this object's monitor. Backend round trips happen outside it, by the thread
 * that owns the step: the contender while acquiring, the holder letting go while renewing or releasing. Waiters park and
 * are unparked by whoever changes their state.
 */
final class KeyQueue {

    /** How long a reserved waiter parks between checks; a grant or a promotion unparks it at once. */
    private static final long RESERVED_PARK_NANOS = 10_000_000;

    /**
     * How long the contender's request to the backend may go unanswered before a waiter in line whose wait ends is told
     * the backend is failing rather than that the key is busy: a backend that answers takes milliseconds.
     */
    static final long UNANSWERED_NANOS = 1_000_000_000;

    private static final long NO_CALL = Long.MIN_VALUE;

    private final LeaseLockStrategy strategy;
    final String key;
    private final ArrayDeque<Waiter> queued = new ArrayDeque<>();
    private @Nullable Waiter contender;
    private @Nullable Hold hold;
    private boolean retired;
    /** When the contender's request to the backend went out, while it waits for the answer; else {@link #NO_CALL}. */
    private volatile long callSince = NO_CALL;

    KeyQueue(LeaseLockStrategy strategy, String key) {
        this.strategy = strategy;
        this.key = key;
    }

    /** Gets in line; false if this queue has been retired, when the caller takes a fresh one. */
    synchronized boolean join(Waiter waiter) {
        if (retired) {
            return false;
        }
        if (hold == null && contender == null) {
            contender = waiter;
            waiter.state = State.CONTEND;
        } else {
            queued.addLast(waiter);
        }
        return true;
    }

    /** Blocks until {@code waiter} holds the lock, or its wait ends. */
    LeaseHandle await(Waiter waiter, Duration waitTime) {
        Future<?> alarm = strategy.clock.schedule(waiter::wake, waiter.deadline - strategy.clock.nanoTime());
        boolean interrupted = false;
        try {
            while (true) {
                State state;
                synchronized (this) {
                    state = waiter.state;
                    switch (state) {
                        case GRANTED -> {
                            return require(waiter.handle);
                        }
                        case FAILED -> throw require(waiter.failure);
                        case EXPIRED -> throw new LockAcquisitionException(key, waitTime);
                        case QUEUED -> {
                            long now = strategy.clock.nanoTime();
                            if (interrupted || now - waiter.deadline >= 0) {
                                queued.remove(waiter);
                                waiter.state = State.EXPIRED;
                                long since = callSince;
                                if (!interrupted && since != NO_CALL && now - since >= UNANSWERED_NANOS) {
                                    throw unanswered(now - since);
                                }
                                throw new LockAcquisitionException(key, waitTime);
                            }
                        }
                        case CONTEND, RESERVED -> {
                            // contending happens outside the monitor; a reservation resolves to a grant or a promotion
                        }
                    }
                }
                if (state == State.CONTEND) {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                        interrupted = false;
                    }
                    return contend(waiter, waitTime);
                }
                long parkNanos = state == State.RESERVED
                        ? RESERVED_PARK_NANOS
                        : Math.max(1, waiter.deadline - strategy.clock.nanoTime());
                LockSupport.parkNanos(this, parkNanos);
                interrupted |= Thread.interrupted();
            }
        } finally {
            alarm.cancel(false);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Tries the backend until acquired or the wait ends; this instance's only contender for the key. */
    private LeaseHandle contend(Waiter waiter, Duration waitTime) {
        if (waiter.yieldNanos > 0) {
            LockSupport.parkNanos(
                    Math.min(waiter.yieldNanos, Math.max(0, waiter.deadline - strategy.clock.nanoTime())));
        }
        LockBackend backend = strategy.backend;
        String owner = OwnerTokens.next();
        long pollNanos = strategy.minPollNanos;
        while (true) {
            long requestedAt = strategy.clock.nanoTime();
            long token;
            callSince = requestedAt;
            try {
                token = backend.tryLock(key, owner, waiter.lease);
            } catch (Exception e) {
                callSince = NO_CALL;
                if (backend.mayHaveApplied(e)) {
                    strategy.releaseUnanswered(key, owner, waiter.lease);
                }
                LockBackendException failure = new LockBackendException(backend.name(), "acquire", key, e);
                failAll(failure);
                throw failure;
            }
            callSince = NO_CALL;
            if (token > 0) {
                return firstGrant(waiter, new Hold(owner, token, waiter.lease, requestedAt));
            }
            long remaining = waiter.deadline - strategy.clock.nanoTime();
            if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
                stopContending(waiter);
                throw new LockAcquisitionException(key, waitTime);
            }
            long jittered = pollNanos / 2 + ThreadLocalRandom.current().nextLong(pollNanos / 2 + 1);
            try {
                backend.awaitRelease(key, Duration.ofNanos(Math.min(remaining, jittered)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopContending(waiter);
                throw new LockAcquisitionException(key, waitTime);
            }
            pollNanos = Math.min(strategy.maxPollNanos, pollNanos * 2);
        }
    }

    /**
     * A waiter's wait ended in line behind a contender whose request the backend has not answered for {@code nanos}
     * (a frozen server, a lost network path, an exhausted pool): an outage, not contention. Nobody may hold the key;
     * the contender's own request reports the backend's failure when it times out.
     */
    private LockBackendException unanswered(long nanos) {
        return new LockBackendException(
                strategy.backend.name(),
                "acquire",
                key,
                new UnansweredWait("the wait ended in line while " + strategy.backend.name()
                        + " had not answered this instance's request for the key for "
                        + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms"));
    }

    private synchronized LeaseHandle firstGrant(Waiter waiter, Hold acquired) {
        contender = null;
        hold = acquired;
        acquired.renewal = strategy.scheduleRenewal(this, acquired);
        return grant(acquired, waiter);
    }

    private synchronized void stopContending(Waiter waiter) {
        contender = null;
        waiter.state = State.EXPIRED;
        promoteHead(0);
        retireIfIdle();
    }

    /** The backend failed the contender: everyone in line now would ask the same backend, so they fail with it. */
    private synchronized void failAll(LockBackendException failure) {
        contender = null;
        for (Waiter each : queued) {
            each.failure = failure;
            each.state = State.FAILED;
            each.wake();
        }
        queued.clear();
        retireIfIdle();
    }

    /** A local holder lets go: hand the lock to the next in line, or release it at the backend. */
    void release(LeaseHandle handle) {
        Hold current = handle.hold;
        Waiter next;
        synchronized (this) {
            current.holder = null;
            if (hold != current) {
                return; // the ownership was lost and the queue has moved on without it
            }
            next = nextInLine();
            boolean handOn = next != null
                    && current.grants < strategy.maxHandoffs
                    && current.validAt(strategy.clock.nanoTime())
                    && !strategy.closed();
            if (!handOn) {
                if (next != null) {
                    next.state = State.QUEUED;
                    queued.addFirst(next);
                }
                current.released = true;
                next = null;
            }
        }
        if (next != null && handOn(current, next)) {
            return;
        }
        letGo(current);
    }

    /** The first waiter in line whose wait has not ended, reserved; ended ones are told. Under the monitor. */
    private @Nullable Waiter nextInLine() {
        long now = strategy.clock.nanoTime();
        for (Waiter head = queued.pollFirst(); head != null; head = queued.pollFirst()) {
            if (now - head.deadline < 0) {
                head.state = State.RESERVED;
                return head;
            }
            head.state = State.EXPIRED;
            head.wake();
        }
        return null;
    }

    /** Hands {@code current} to {@code next}, renewing first if the lease is short; false if it must be let go. */
    private boolean handOn(Hold current, Waiter next) {
        long now = strategy.clock.nanoTime();
        if (current.needsRenewalFor(next.lease, now) && !strategy.renewNow(key, current, next.lease)) {
            synchronized (this) {
                next.state = State.QUEUED;
                queued.addFirst(next);
                current.released = true;
            }
            return false;
        }
        synchronized (this) {
            grant(current, next);
        }
        return true;
    }

    /**
     * Releases at the backend (unless the lease is lost or abandoned; a retired one in the background), then lets the
     * next in line contend.
     */
    private void letGo(Hold current) {
        boolean fairnessPause;
        synchronized (this) {
            fairnessPause = current.grants >= strategy.maxHandoffs;
            cancel(current.renewal);
        }
        if (!current.lost() && !current.abandoned()) {
            strategy.unlockQuietly(key, current);
        } else if (!current.lost() && current.releasedOnClose()) {
            strategy.unlockRetired(key, current);
        }
        synchronized (this) {
            hold = null;
            promoteHead(fairnessPause && !queued.isEmpty() ? strategy.yieldNanos : 0);
            retireIfIdle();
        }
    }

    /** Makes the first waiter in line the contender. Under the monitor. */
    private void promoteHead(long yieldNanos) {
        Waiter head = queued.pollFirst();
        if (head != null) {
            head.state = State.CONTEND;
            head.yieldNanos = yieldNanos;
            contender = head;
            head.wake();
        }
    }

    /** Gives {@code current} to {@code waiter}. Under the monitor. */
    private LeaseHandle grant(Hold current, Waiter waiter) {
        LeaseHandle handle = new LeaseHandle(
                strategy, this, current, current.token(current.grants++), waiter.observed, strategy.clock.nanoTime());
        current.holder = handle;
        waiter.handle = handle;
        waiter.state = State.GRANTED;
        if (waiter.thread != Thread.currentThread()) {
            waiter.wake();
        }
        return handle;
    }

    /**
     * The backend no longer holds {@code current} for this instance (renewal refused, or the lease ran out): the queue
     * stops waiting for its holder, who is told by its invalid handle, and the next in line contends.
     */
    synchronized void lost(Hold current) {
        if (hold == current) {
            current.released = true;
            cancel(current.renewal);
            hold = null;
            promoteHead(0);
            retireIfIdle();
        }
    }

    /** Schedules the next renewal of {@code current} unless it was let go meanwhile. */
    synchronized void renewLater(Hold current) {
        if (!current.released && !current.abandoned()) {
            current.renewal = strategy.scheduleRenewal(this, current);
        }
    }

    /** Cancels the renewal of an abandoned {@code current}. */
    synchronized void stopRenewing(Hold current) {
        cancel(current.renewal);
    }

    /** The current holder of {@code current}, if it still has one. */
    synchronized @Nullable LeaseHandle holderOf(Hold current) {
        return current.released ? null : current.holder;
    }

    /** Fails every waiter: the strategy is closing. */
    synchronized void closeQueue(RuntimeException why) {
        if (contender != null) {
            contender.failure = why;
        }
        for (Waiter each : queued) {
            each.failure = why;
            each.state = State.FAILED;
            each.wake();
        }
        queued.clear();
    }

    private void retireIfIdle() {
        if (hold == null && contender == null && queued.isEmpty() && !retired) {
            retired = true;
            strategy.forget(this);
        }
    }

    private static void cancel(@Nullable Future<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    private static <T> T require(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("lock queue state without its value");
        }
        return value;
    }
}
