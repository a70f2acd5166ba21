package dev.ballast.lock.resilient;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.internal.Abandonable;
import dev.ballast.lock.internal.Exclusivity;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A handle granted under one mode epoch. When the epoch ends with a mode switch, the handle is <em>retired</em>: its
 * renewal stops and it stays valid until its last granted lease runs out, but never past the moment the new mode can
 * take effect; a holder that closes it by then has lost nothing. When this instance can no longer trust its view of the
 * mode (or the strategy closes), it is <em>revoked</em>: invalid at once. Either way its backend lease is kept until
 * it runs out, and the next mode waits for that, so it stays exclusive until then. Each handle's loss is reported at
 * most once. Thread-safe.
 */
final class ResilientHandle implements LockHandle, Exclusivity {

    private final ResilientLockStrategy strategy;
    final LockHandle delegate;
    final long epoch;
    final LockMode mode;
    private final AtomicBoolean revoked = new AtomicBoolean();
    /** Renewal stopped by a mode switch: valid while the unrenewed lease still runs, and before {@link #retiredUntil}. */
    private volatile boolean retired;
    /** When retired: the earliest moment the new mode can take effect (strategy clock); never valid from then on. */
    private volatile long retiredUntil;
    /** When retired: reports the loss if the holder keeps the handle past its validity. */
    private volatile Runnable overrun = () -> {};

    private final AtomicBoolean lossReported = new AtomicBoolean();

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
                if (!revoked.get() && !closed.get() && claimLoss()) {
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
        return delegate instanceof Exclusivity lease
                && lease.exclusiveAt(clockNanos)
                && (!retired || clockNanos - retiredUntil < 0);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            boolean overran = retired && !exclusiveAt(strategy.now());
            strategy.forget(this, acquiredAtNanos);
            delegate.close();
            if (overran && claimLoss()) {
                overrun.run(); // let go only after its lease (or the new mode's start): a lost lease
            }
        }
    }

    /**
     * Marks the handle retired by a mode switch (the caller stops its renewal): valid until its lease runs out, and
     * never at or after {@code validBefore}. {@code reportOverrun} reports the loss if the holder closes it later.
     */
    void retire(long validBefore, Runnable reportOverrun) {
        retiredUntil = validBefore;
        overrun = reportOverrun;
        retired = true;
    }

    /** True the first time only: the caller reports this handle's loss. */
    boolean claimLoss() {
        return lossReported.compareAndSet(false, true);
    }

    /** Not closed by its holder, though its validity has ended (or it was revoked). */
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
