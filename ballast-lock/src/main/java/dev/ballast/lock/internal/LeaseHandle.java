package dev.ballast.lock.internal;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** A handle of {@link LeaseLockStrategy}. Thread-safe. */
final class LeaseHandle implements LockHandle, Abandonable {

    private final LeaseLockStrategy strategy;
    private final String key;
    final String owner;
    private final long token;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean lostReported = new AtomicBoolean();
    private final long acquiredAtNanos = System.nanoTime();
    private volatile long validUntilNanos;
    private volatile boolean lost;
    volatile @Nullable ScheduledFuture<?> renewal;

    LeaseHandle(LeaseLockStrategy strategy, String key, String owner, long token, Duration lease, long requestedAt) {
        this.strategy = strategy;
        this.key = key;
        this.owner = owner;
        this.token = token;
        // measured from before the request was sent: the backend's lease started no earlier than that
        this.validUntilNanos = requestedAt + lease.toNanos();
        strategy.scheduleRenewal(this, lease);
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public long fencingToken() {
        return token;
    }

    @Override
    public boolean isValid() {
        return !closed.get() && !lost && System.nanoTime() - validUntilNanos < 0;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            cancelRenewal();
            if (!lost) {
                strategy.release(this);
            }
            strategy.released(this, System.nanoTime() - acquiredAtNanos);
        }
    }

    @Override
    public void abandon() {
        lost = true;
        cancelRenewal();
    }

    void extend(long untilNanos) {
        validUntilNanos = untilNanos;
    }

    void lost(LockListener listener) {
        lost = true;
        cancelRenewal();
        if (!closed.get() && lostReported.compareAndSet(false, true)) {
            try {
                listener.leaseLost(strategy.backend(), this);
            } catch (RuntimeException e) {
                // a listener must not throw; nothing else to do with it here
            }
        }
    }

    private void cancelRenewal() {
        ScheduledFuture<?> scheduled = renewal;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "LockHandle[" + key + ", token " + token + (isValid() ? "" : ", invalid") + "]";
    }
}
