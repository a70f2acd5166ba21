package dev.ballast.lock.internal;

import dev.ballast.core.CheckedSupplier;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockKeys;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockLostException;
import dev.ballast.lock.LockStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What the lease strategy and the resilient strategy share: argument checks, deadlines on the strategy's clock, running
 * guarded code, multi-key order, and the rule for a lease lost around the end of the work. Thread-safe.
 *
 * <p>The rule: after the guarded code returns, a handle that is still valid returns the result. A handle found invalid
 * whose lease was still exclusive at the moment the code completed (it was revoked, or stopped renewing, but had not run
 * out yet) also returns the result: the work finished holding the lock, so the loss is reported (listener {@link
 * LockListener#leaseLostAfterWork} and a WARNING alert) and never turns a completed, committed result into a failure.
 * The same holds for a lease that ran out while the code ran if the code wrote through {@link
 * dev.ballast.lock.FencedWrite#apply} with the lease's token and the database accepted the write: the database refuses a
 * write older than a newer holder's, so the accepted write is safe, and a transaction inside the lock has usually
 * committed it by the time the lock sees the loss. Only a lease that was no longer exclusive when the code completed,
 * without such a write, turns the result into {@link LockLostException}.
 */
public abstract class GuardedLockStrategy implements LockStrategy {

    /** The strategy's clock: deadlines, leases and timers. */
    protected final LockClock clock;

    private final LockListener listener;
    private final AlertSink alerts;

    protected GuardedLockStrategy(LockClock clock, LockListener listener, AlertSink alerts) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.alerts = Objects.requireNonNull(alerts, "alerts");
    }

    /** Acquires {@code key} before {@code deadlineNanos} on {@link #clock}; arguments are already checked. */
    protected abstract LockHandle acquire(String key, long deadlineNanos, Duration waitTime, Duration leaseTime);

    @Override
    public final LockHandle tryAcquire(String key, Duration waitTime, Duration leaseTime) {
        LockKeys.requireValid(key);
        LockKeys.requireWait(waitTime);
        LockKeys.requireLease(leaseTime);
        return acquire(key, deadline(waitTime), waitTime, leaseTime);
    }

    @Override
    public final <T extends @Nullable Object> T executeWithLock(
            String key, Duration waitTime, Duration leaseTime, CheckedSupplier<T> task) {
        Objects.requireNonNull(task, "task");
        LockHandle handle = tryAcquire(key, waitTime, leaseTime);
        try (handle) {
            T result;
            CurrentHolds.Frame frame = CurrentHolds.push(List.of(handle));
            try {
                result = Guarded.call(task);
            } finally {
                CurrentHolds.pop();
            }
            checkAfterWork(List.of(handle), frame, clock.nanoTime());
            return result;
        }
    }

    @Override
    public final <T extends @Nullable Object> T executeWithLocks(
            Collection<String> keys, Duration waitTime, Duration leaseTime, CheckedSupplier<T> task) {
        Objects.requireNonNull(task, "task");
        LockKeys.requireWait(waitTime);
        LockKeys.requireLease(leaseTime);
        TreeSet<String> ordered = new TreeSet<>(); // one canonical order for every caller: no lock-order deadlock
        for (String key : Objects.requireNonNull(keys, "keys")) {
            ordered.add(LockKeys.requireValid(key));
        }
        if (ordered.isEmpty()) {
            throw new IllegalArgumentException("executeWithLocks needs at least one key");
        }
        long deadline = deadline(waitTime);
        List<LockHandle> held = new ArrayList<>(ordered.size());
        try {
            for (String key : ordered) {
                held.add(acquire(key, deadline, waitTime, leaseTime));
            }
            T result;
            CurrentHolds.Frame frame = CurrentHolds.push(held);
            try {
                result = Guarded.call(task);
            } finally {
                CurrentHolds.pop();
            }
            checkAfterWork(held, frame, clock.nanoTime());
            return result;
        } finally {
            for (int i = held.size() - 1; i >= 0; i--) {
                held.get(i).close();
            }
        }
    }

    private long deadline(Duration waitTime) {
        return clock.nanoTime() + waitTime.toNanos();
    }

    private void checkAfterWork(List<LockHandle> held, CurrentHolds.Frame frame, long completedAt) {
        List<LockHandle> lostAfter = new ArrayList<>(0);
        List<LockHandle> fencedOnly = new ArrayList<>(0);
        for (LockHandle handle : held) {
            if (handle.isValid()) {
                continue;
            }
            if (handle instanceof Exclusivity lease && lease.exclusiveAt(completedAt)) {
                lostAfter.add(handle);
            } else if (frame.fenced(handle)) {
                // the database checked the work's writes against newer holders' and accepted them: the work stands,
                // and it is usually committed by now (a transaction inside the lock), so a failure would be a lie
                fencedOnly.add(handle);
            } else {
                throw new LockLostException(handle.key(), handle.fencingToken());
            }
        }
        lostAfter.forEach(handle -> reportLostAfterWork(handle, false));
        fencedOnly.forEach(handle -> reportLostAfterWork(handle, true));
    }

    private void reportLostAfterWork(LockHandle handle, boolean fenced) {
        listener.leaseLostAfterWork(backend(), handle);
        String what = fenced
                ? ") ran out while the work guarded by it ran; the work's fenced write with that token was accepted by"
                        + " the database, so no newer holder had written, and the result was kept and returned"
                : ") was lost after the work guarded by it had completed while still holding it; the result was kept"
                        + " and returned";
        alerts.send(Alert.builder(Severity.WARNING, "Lock lease lost after the guarded work completed")
                .detail("Lease on '" + handle.key() + "' (fencing token " + handle.fencingToken() + what)
                .label("module", "lock")
                .label("backend", backend())
                .fingerprint("lock-lost-after-work|" + backend() + "|" + handle.key())
                .build());
    }
}
