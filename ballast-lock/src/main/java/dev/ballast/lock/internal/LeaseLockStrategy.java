package dev.ballast.lock.internal;

import dev.ballast.core.CheckedSupplier;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockKeys;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LockStrategy} over any {@link LockBackend}: waits with the backend's release hint, renews leases at a third of
 * their length on one shared daemon thread, and invalidates a handle whose renewal fails or whose lease runs out.
 * Thread-safe.
 */
public final class LeaseLockStrategy implements LockStrategy {

    private static final long MIN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final LockBackend backend;
    private final LockListener listener;
    private final ScheduledExecutorService renewals;

    /**
     * A strategy over {@code backend} telling {@code listener} about lease losses, and raising a WARNING alert on
     * {@code alerts} for each.
     */
    public LeaseLockStrategy(LockBackend backend, LockListener listener, AlertSink alerts) {
        this.backend = Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(alerts, "alerts");
        this.listener = LockListener.all(List.of(listener, (name, handle) -> {
            // the alert half of the lease-loss contract
            alerts.send(Alert.builder(Severity.WARNING, "Lock lease lost")
                    .detail("Lease on '" + handle.key() + "' (fencing token " + handle.fencingToken()
                            + ") was lost while held; writes not fenced by the token may have overlapped")
                    .label("module", "lock")
                    .label("backend", backend.name())
                    .fingerprint("lock-lease-lost|" + backend.name() + "|" + handle.key())
                    .build());
        }));
        this.renewals = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ballast-lock-renewal-" + backend.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public LockHandle tryAcquire(String key, Duration waitTime, Duration leaseTime) {
        LockKeys.requireValid(key);
        LockKeys.requireWait(waitTime);
        LockKeys.requireLease(leaseTime);
        return acquire(key, System.nanoTime() + waitTime.toNanos(), waitTime, leaseTime);
    }

    @Override
    public <T extends @Nullable Object> T executeWithLocks(
            Collection<String> keys, Duration waitTime, Duration leaseTime, CheckedSupplier<T> task) {
        return Guarded.runWithAll(
                keys, waitTime, leaseTime, (key, deadline) -> acquire(key, deadline, waitTime, leaseTime), task);
    }

    @Override
    public String backend() {
        return backend.name();
    }

    @Override
    public void close() {
        renewals.shutdownNow();
        backend.close();
    }

    private LockHandle acquire(String key, long deadlineNanos, Duration waitTime, Duration leaseTime) {
        String owner = UUID.randomUUID().toString();
        long pollNanos = MIN_POLL_NANOS;
        long startedAt = System.nanoTime();
        while (true) {
            long requestedAt = System.nanoTime();
            long token;
            try {
                token = backendCall("acquire", key, () -> backend.tryLock(key, owner, leaseTime));
            } catch (LockBackendException e) {
                listener.backendFailed(backend.name(), key, e);
                throw e;
            }
            if (token > 0) {
                LeaseHandle handle = new LeaseHandle(this, key, owner, token, leaseTime, requestedAt);
                listener.acquired(backend.name(), handle, System.nanoTime() - startedAt);
                return handle;
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                listener.notAcquired(backend.name(), key, System.nanoTime() - startedAt);
                throw new LockAcquisitionException(key, waitTime);
            }
            long jittered = pollNanos / 2 + ThreadLocalRandom.current().nextLong(pollNanos / 2 + 1);
            try {
                backend.awaitRelease(key, Duration.ofNanos(Math.min(remaining, jittered)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LockAcquisitionException(key, waitTime);
            }
            pollNanos = Math.min(MAX_POLL_NANOS, pollNanos * 2);
        }
    }

    void scheduleRenewal(LeaseHandle handle, Duration leaseTime) {
        long period = Math.max(1, leaseTime.toMillis() / 3);
        handle.renewal =
                renewals.scheduleWithFixedDelay(() -> renew(handle, leaseTime), period, period, TimeUnit.MILLISECONDS);
    }

    private void renew(LeaseHandle handle, Duration leaseTime) {
        if (!handle.isValid()) {
            handle.lost(listener);
            return;
        }
        long attemptAt = System.nanoTime();
        boolean renewed;
        try {
            renewed = backend.renew(handle.key(), handle.owner, leaseTime);
        } catch (Exception e) {
            return; // infrastructure blip: keep trying until the lease runs out, then the handle reports the loss
        }
        if (renewed) {
            handle.extend(attemptAt + leaseTime.toNanos());
        } else {
            handle.lost(listener);
        }
    }

    void released(LeaseHandle handle, long heldNanos) {
        listener.released(backend.name(), handle, heldNanos);
    }

    void release(LeaseHandle handle) {
        try {
            backend.unlock(handle.key(), handle.owner);
        } catch (Exception e) {
            // the lease expires on its own; releasing is best effort by contract
        }
    }

    private long backendCall(String operation, String key, BackendCall call) {
        try {
            return call.run();
        } catch (Exception e) {
            throw new LockBackendException(backend.name(), operation, key, e);
        }
    }

    @FunctionalInterface
    private interface BackendCall {
        long run() throws Exception;
    }
}
