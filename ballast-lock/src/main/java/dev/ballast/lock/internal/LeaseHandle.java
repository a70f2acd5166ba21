package dev.ballast.lock.internal;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import java.util.concurrent.atomic.AtomicBoolean;

/** One local holder's turn with a {@link Hold}, from a grant to its close. Thread-safe. */
final class LeaseHandle implements LockHandle, Abandonable, Exclusivity {

    private final LeaseLockStrategy strategy;
    private final KeyQueue queue;
    final Hold hold;
    private final long token;
    private final boolean observed;
    private final long acquiredAt;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean lossReported = new AtomicBoolean();
    private volatile Runnable onLoss = () -> {};

    LeaseHandle(LeaseLockStrategy strategy, KeyQueue queue, Hold hold, long token, boolean observed, long acquiredAt) {
        this.strategy = strategy;
        this.queue = queue;
        this.hold = hold;
        this.token = token;
        this.observed = observed;
        this.acquiredAt = acquiredAt;
    }

    @Override
    public String key() {
        return queue.key;
    }

    @Override
    public long fencingToken() {
        return token;
    }

    @Override
    public boolean isValid() {
        return !closed.get() && hold.validAt(strategy.clock.nanoTime());
    }

    @Override
    public boolean exclusiveAt(long clockNanos) {
        return clockNanos - acquiredAt >= 0 && hold.exclusiveAt(clockNanos);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            long heldNanos = strategy.clock.nanoTime() - acquiredAt;
            queue.release(this);
            if (observed) {
                strategy.released(this, heldNanos);
            }
        }
    }

    @Override
    public void abandon() {
        strategy.abandon(queue, hold);
    }

    @Override
    public void retire() {
        strategy.retire(queue, hold);
    }

    @Override
    public void onLoss(Runnable action) {
        this.onLoss = action;
    }

    /** Tells {@code listener} (and a wrapping strategy) once that the lease was lost while this handle held it. */
    void reportLost(LockListener listener) {
        if (!closed.get() && lossReported.compareAndSet(false, true)) {
            listener.leaseLost(strategy.backend(), this);
            try {
                onLoss.run();
            } catch (RuntimeException e) {
                // the wrapper's report must not stop the renewal thread
            }
        }
    }

    @Override
    public String toString() {
        return "LockHandle[" + key() + ", token " + token + (isValid() ? "" : ", invalid") + "]";
    }
}
