package dev.ballast.lock.resilient;

import dev.ballast.lock.LockHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/** A handle granted under one mode epoch; revoked when that epoch ends. Thread-safe. */
final class ResilientHandle implements LockHandle {

    private final ResilientLockStrategy strategy;
    final LockHandle delegate;
    final long epoch;
    final LockMode mode;
    private final AtomicBoolean revoked = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final long acquiredAtNanos = System.nanoTime();

    ResilientHandle(ResilientLockStrategy strategy, LockHandle delegate, long epoch, LockMode mode) {
        this.strategy = strategy;
        this.delegate = delegate;
        this.epoch = epoch;
        this.mode = mode;
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
        return !revoked.get() && delegate.isValid();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            strategy.forget(this, System.nanoTime() - acquiredAtNanos);
            delegate.close();
        }
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
