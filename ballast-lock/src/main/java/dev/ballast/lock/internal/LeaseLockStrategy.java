package dev.ballast.lock.internal;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockKeys;
import dev.ballast.lock.LockListener;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link dev.ballast.lock.LockStrategy} over any {@link LockBackend}: waiters of one key queue in this instance (see
 * {@link KeyQueue}: one contender at the backend, hand-off between local holders), leases are renewed at a third of
 * their length on the clock's timer, and a handle whose renewal fails or whose lease runs out turns invalid. Build one
 * with {@link LeaseStrategyBuilder}. Thread-safe.
 */
public final class LeaseLockStrategy extends GuardedLockStrategy {

    /** Local holders in a row before the lock goes back to the backend, so other instances get their turn. */
    static final int MAX_HANDOFFS = 16;

    /** The first retry of a failed release. */
    static final long FIRST_RELEASE_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** The longest interval between two retries of a failed release. */
    static final long MAX_RELEASE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How long past its lease an unanswered acquisition is still released (see {@link #releaseUnanswered}). */
    static final long UNANSWERED_RELEASE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(60);

    final LockBackend backend;
    final int maxHandoffs = MAX_HANDOFFS;
    final long minPollNanos;
    final long maxPollNanos;
    /** After letting go for fairness, how long this instance's next contender leaves the key to others. */
    final long yieldNanos;

    private final LockListener listener;
    private final @Nullable SystemLockClock ownedClock;
    private final ConcurrentMap<String, KeyQueue> queues = new ConcurrentHashMap<>();
    private final PendingReleases pendingReleases;
    private volatile boolean closed;

    LeaseLockStrategy(
            LockBackend backend,
            LockListener listener,
            AlertSink alerts,
            LockClock clock,
            @Nullable SystemLockClock ownedClock,
            Executor background) {
        super(clock, listener, alerts);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.listener = LockListener.all(List.of(listener, (name, handle) -> alerts.send(leaseLostAlert(handle))));
        this.ownedClock = ownedClock;
        this.pendingReleases = new PendingReleases(
                clock, background, this::tryUnlock, () -> closed, FIRST_RELEASE_RETRY_NANOS, MAX_RELEASE_RETRY_NANOS);
        boolean notified = backend.notifiesReleases();
        // with release notifications a contender is woken at once and polls only as a safety net; without, it polls,
        // and the fairness pause must outlast another instance's polling interval
        this.minPollNanos = TimeUnit.MILLISECONDS.toNanos(notified ? 2 : 1);
        this.maxPollNanos = TimeUnit.MILLISECONDS.toNanos(notified ? 50 : 8);
        this.yieldNanos = TimeUnit.MILLISECONDS.toNanos(notified ? 5 : 10);
    }

    private Alert leaseLostAlert(LockHandle handle) {
        return Alert.builder(Severity.WARNING, "Lock lease lost")
                .detail("Lease on '" + handle.key() + "' (fencing token " + handle.fencingToken()
                        + ") was lost while held; writes not fenced by the token may have overlapped")
                .label("module", "lock")
                .label("backend", backend.name())
                .fingerprint("lock-lease-lost|" + backend.name() + "|" + handle.key())
                .build();
    }

    @Override
    public String backend() {
        return backend.name();
    }

    @Override
    public void close() {
        closed = true;
        for (KeyQueue queue : queues.values()) {
            queue.closeQueue(new LockBackendException(
                    backend.name(), "acquire", queue.key, new IllegalStateException("the lock strategy was closed")));
        }
        if (ownedClock != null) {
            ownedClock.close();
        }
        backend.close();
    }

    @Override
    protected LockHandle acquire(String key, long deadlineNanos, Duration waitTime, Duration leaseTime) {
        return acquire(key, deadlineNanos, waitTime, leaseTime, true);
    }

    /**
     * Acquires without telling the listener about the wait, the acquisition or the release: for a strategy that wraps
     * this one and reports each wait once itself (the resilient strategy). Lease losses are still reported.
     */
    public LockHandle tryAcquireUnobserved(String key, Duration waitTime, Duration leaseTime) {
        LockKeys.requireValid(key);
        LockKeys.requireWait(waitTime);
        LockKeys.requireLease(leaseTime);
        return acquire(key, clock.nanoTime() + waitTime.toNanos(), waitTime, leaseTime, false);
    }

    /**
     * Makes every fencing token this strategy hands out for {@code key} from now on exceed {@code token}, a holder's
     * token of another strategy (both go through {@link FencingTokens}): for the resilient strategy's hand-over from one
     * backend to another. See {@link LockBackend#raiseFence}.
     *
     * @return false if the backend cannot
     * @throws LockBackendException if the backend failed
     */
    public boolean raiseFence(String key, long token) {
        try {
            return backend.raiseFence(key, Math.floorDiv(token, FencingTokens.SLOTS));
        } catch (Exception e) {
            throw new LockBackendException(backend.name(), "raise the fencing counter of", key, e);
        }
    }

    /** Keys derived from {@code base} that reach every server of the backend now; see {@link LockBackend#probeKeys}. */
    public List<String> probeKeys(String base) {
        return backend.probeKeys(base);
    }

    private LockHandle acquire(String key, long deadline, Duration waitTime, Duration leaseTime, boolean observed) {
        if (closed) {
            throw new LockBackendException(
                    backend.name(), "acquire", key, new IllegalStateException("the lock strategy was closed"));
        }
        long startedAt = clock.nanoTime();
        Waiter waiter = new Waiter(deadline, leaseTime, observed);
        KeyQueue queue;
        do {
            queue = queues.computeIfAbsent(key, k -> new KeyQueue(this, k));
        } while (!queue.join(waiter));
        try {
            LeaseHandle handle = queue.await(waiter, waitTime);
            if (observed) {
                listener.acquired(backend.name(), handle, clock.nanoTime() - startedAt);
            }
            return handle;
        } catch (LockAcquisitionException e) {
            if (observed) {
                listener.notAcquired(backend.name(), key, clock.nanoTime() - startedAt);
            }
            throw e;
        } catch (LockBackendException e) {
            if (observed) {
                listener.backendFailed(backend.name(), key, e);
            }
            throw e;
        }
    }

    boolean closed() {
        return closed;
    }

    void forget(KeyQueue queue) {
        queues.remove(queue.key, queue);
    }

    Future<?> scheduleRenewal(KeyQueue queue, Hold hold) {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(1), hold.lease().toNanos() / 3);
        return clock.schedule(() -> renew(queue, hold), period);
    }

    private void renew(KeyQueue queue, Hold hold) {
        long attemptAt = clock.nanoTime();
        if (!hold.validAt(attemptAt)) {
            reportLost(queue, hold); // the lease ran out while renewals failed
            return;
        }
        boolean renewed;
        try {
            renewed = backend.renew(queue.key, hold.owner, hold.lease());
        } catch (Exception e) {
            queue.renewLater(hold); // an infrastructure blip: keep trying until the lease runs out
            return;
        }
        if (renewed) {
            hold.confirmed(attemptAt, hold.lease());
            queue.renewLater(hold);
        } else {
            hold.markLost();
            reportLost(queue, hold);
        }
    }

    /** Renews now, before handing on; false if the ownership is lost or could not be confirmed. */
    boolean renewNow(String key, Hold hold, Duration lease) {
        long sentAt = clock.nanoTime();
        try {
            if (backend.renew(key, hold.owner, lease)) {
                hold.confirmed(sentAt, lease);
                return true;
            }
            hold.markLost();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private void reportLost(KeyQueue queue, Hold hold) {
        LeaseHandle holder = queue.holderOf(hold);
        if (holder != null) {
            holder.reportLost(listener);
        }
        queue.lost(hold);
    }

    void abandon(KeyQueue queue, Hold hold) {
        hold.abandon();
        queue.stopRenewing(hold);
    }

    void retire(KeyQueue queue, Hold hold) {
        hold.retire();
        queue.stopRenewing(hold);
    }

    /**
     * Releases a retired {@code hold} whose holder let go, on the background executor: the close must not wait on a
     * backend that may be failing (a switch away from it retired the hold). Retried as {@link #unlockQuietly}'s while
     * the lease still runs; a late release is harmless (it removes only this ownership's owner token).
     */
    void unlockRetired(String key, Hold hold) {
        pendingReleases.addNow(new PendingReleases.Release(key, hold.owner, () -> hold.exclusiveAt(clock.nanoTime())));
    }

    void released(LeaseHandle handle, long heldNanos) {
        listener.released(backend.name(), handle, heldNanos);
    }

    /**
     * Releases {@code hold} at the backend. A release that fails (the backend or its connection pool briefly
     * unavailable) is retried in the background ({@link PendingReleases}: {@link #FIRST_RELEASE_RETRY_NANOS} later and
     * then at doubling intervals up to {@link #MAX_RELEASE_RETRY_NANOS}), until it gets through or the lease would have
     * run out anyway: otherwise a release lost
     * in a short outage keeps every other caller of the key waiting for the whole lease (30 s for the example's deposits)
     * after the backend is back. A late retry is harmless: the release only removes this ownership's owner token, never
     * a later holder's.
     */
    void unlockQuietly(String key, Hold hold) {
        if (!tryUnlock(key, hold.owner)) {
            pendingReleases.add(new PendingReleases.Release(key, hold.owner, () -> hold.validAt(clock.nanoTime())));
        }
    }

    /**
     * Releases {@code owner}, whose acquisition failed without an answer (a timeout, a connection lost in flight) and so
     * may have taken {@code key}, with the retries of {@link #unlockQuietly}, until one release gets through. It gives
     * up after the lease plus {@link #UNANSWERED_RELEASE_GRACE_NANOS}: a backend that was frozen may run the acquisition
     * only when it resumes, and the lease runs from there.
     */
    void releaseUnanswered(String key, String owner, Duration lease) {
        long giveUpAt = clock.nanoTime() + lease.toNanos() + UNANSWERED_RELEASE_GRACE_NANOS;
        pendingReleases.add(new PendingReleases.Release(key, owner, () -> clock.nanoTime() - giveUpAt < 0));
    }

    private boolean tryUnlock(String key, String owner) {
        try {
            backend.unlock(key, owner);
            return true;
        } catch (Exception e) {
            return false; // retried by pendingReleases
        }
    }
}
