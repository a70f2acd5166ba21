package dev.ballast.lock.resilient;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.internal.Abandonable;
import dev.ballast.lock.internal.Exclusivity;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A handle granted under one mode epoch; revoked when that epoch ends. A revoked handle keeps its backend lease until it
 * runs out (its renewal stops), and the next mode waits for that, so it stays exclusive until then. Thread-safe.
 */
final class ResilientHandle implements LockHandle, Exclusivity {

    private final ResilientLockStrategy strategy;
    final LockHandle delegate;
    final long epoch;
    final LockMode mode;
    private final AtomicBoolean revoked = new AtomicBoolean();
    /** Renewal stopped by a planned switch: valid while the unrenewed lease still runs. */
    private volatile boolean retired;

    private final AtomicBoolean closed = new AtomicBoolean();
    private final long acquiredAtNanos;

    ResilientHandle(ResilientLockStrategy strategy, LockHandle delegate, long epoch, LockMode mode, long acquiredAt) {
        this.strategy = strategy;
        this.delegate = delegate;
        this.epoch = epoch;
        this.mode = mode;
        this.acquiredAtNanos = acquiredAt;
        if (delegate instanceof Abandonable inner) {
            inner.onLoss(() -> {
                if (!revoked.get() && !closed.get()) {
                    strategy.innerLeaseLost(this);
                }
            });
        }
    }

    @Override
    public String key() {
        return delegate.key();
    }

    @Override
    public long fencingToken() {
        return delegate.fencingToken();
    }

    @Override
    public boolean isValid() {
        if (revoked.get()) {
            return false;
        }
        return retired ? !closed.get() && exclusiveAt(strategy.now()) : delegate.isValid();
    }

    @Override
    public boolean exclusiveAt(long clockNanos) {
        return delegate instanceof Exclusivity lease && lease.exclusiveAt(clockNanos);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            strategy.forget(this, acquiredAtNanos);
            delegate.close();
        }
    }

    /** Marks the handle retired by a planned switch (its renewal stops): valid until its lease runs out. */
    void retire() {
        retired = true;
    }

    /** Not closed by its holder, though its lease has run out (or it was revoked). */
    boolean heldPastItsLease() {
        return !closed.get() && !isValid();
    }

    /** Marks the handle invalid; true the first time, when the caller must report the loss and release. */
    boolean revoke() {
        return !closed.get() && revoked.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "LockHandle[" + key() + ", token " + fencingToken() + ", " + mode + " epoch " + epoch
                + (isValid() ? "" : ", invalid") + "]";
    }
}
