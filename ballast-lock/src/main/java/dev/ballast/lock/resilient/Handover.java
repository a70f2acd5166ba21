package dev.ballast.lock.resilient;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener.BreakerState;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.internal.LeaseLockStrategy;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way back to the primary while a switch to it is pending: a caller locks on both backends instead of waiting for
 * the switch to take effect (see {@link HandoverHandle}). Thread-safe: its only state is a volatile flag that turns off
 * for good when the primary cannot raise its fencing counter.
 */
final class Handover {

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);

    private final LockStrategy primary;
    private final LockStrategy fallback;
    private final ModeKeeper modes;
    private final ExceptionClassifier classifier;
    private final LockClock clock;
    private volatile boolean primaryRaisesFences = true;

    Handover(
            LockStrategy primary,
            LockStrategy fallback,
            ModeKeeper modes,
            ExceptionClassifier classifier,
            LockClock clock) {
        this.primary = primary;
        this.fallback = fallback;
        this.modes = modes;
        this.classifier = classifier;
        this.clock = clock;
    }

    /** Whether a caller waiting for a pending switch back to the primary should keep trying until its deadline. */
    boolean worthRetrying(ModeView current) {
        return current.mode() == LockMode.PRIMARY && primaryRaisesFences;
    }

    /**
     * Whether a caller may lock on both backends instead of waiting for a pending switch: only on the way back to the
     * primary (the fallback, the old mode, still answers), with a primary that can raise its fencing counter, and while
     * this instance's breaker does not hold the primary for down.
     */
    boolean possible(ModeView current) {
        return worthRetrying(current)
                && primary instanceof LeaseLockStrategy
                && modes.breakerState() != BreakerState.OPEN;
    }

    /**
     * Locks {@code key} on the fallback, then on the primary (always in this order, so two hand-overs never deadlock),
     * having first raised the primary's fencing counter above the fallback's token. The fallback lock excludes the
     * holders of instances that still lock there (they have not seen the switch yet, or hold a retired or revoked lease
     * until it runs out); the primary lock excludes everyone who locks on the primary once the switch takes effect. Null if the
     * primary could not be used (an outage, counted by the breaker, or no fence support): the caller then waits for
     * the switch as before.
     *
     * @throws LockAcquisitionException if either backend's lock stayed busy for the caller's whole wait (contention)
     */
    @Nullable
    LockHandle tryLockBoth(String key, long deadline, Duration waitTime, Duration lease) {
        LeaseLockStrategy next = (LeaseLockStrategy) primary;
        LockHandle old;
        try {
            Duration wait = Duration.ofNanos(Math.max(0, deadline - clock.nanoTime()));
            old = fallback instanceof LeaseLockStrategy inner
                    ? inner.tryAcquireUnobserved(key, wait, lease)
                    : fallback.tryAcquire(key, wait, lease);
        } catch (LockAcquisitionException busy) {
            throw new LockAcquisitionException(key, waitTime);
        }
        try {
            if (!next.raiseFence(key, old.fencingToken())) {
                primaryRaisesFences = false; // a backend without fence support: wait for switches, as before
                old.close();
                return null;
            }
            Duration left = Duration.ofNanos(Math.max(0, deadline - clock.nanoTime()));
            LockHandle granted = next.tryAcquireUnobserved(key, left, lease);
            modes.primarySucceeded();
            return new HandoverHandle(old, granted);
        } catch (LockAcquisitionException busy) {
            old.close();
            throw new LockAcquisitionException(key, waitTime);
        } catch (LockBackendException e) {
            old.close();
            if (classifier.classify(e) == ErrorCategory.INFRASTRUCTURE) {
                modes.primaryFailed();
            }
            // the fallback still answers: the caller waits for the switch (or a later hand-over) rather than failing
            log.debug("Hand-over to {} failed for '{}': {}", primary.backend(), key, e.toString());
            return null;
        } catch (RuntimeException | Error e) {
            old.close();
            throw e;
        }
    }
}
