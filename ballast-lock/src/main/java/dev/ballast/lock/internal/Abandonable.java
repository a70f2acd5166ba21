package dev.ballast.lock.internal;

/**
 * A handle of {@link LeaseLockStrategy} as a wrapping strategy sees it: it can stop renewing without releasing, so the
 * lease runs out on its own, and it tells the wrapper when its lease is lost. Internal.
 */
public interface Abandonable {

    /** Stops renewal and marks the handle invalid; a later close does not release, nor hand the lock on. */
    void abandon();

    /**
     * Stops renewal as {@link #abandon} does (the lease runs out on its own, the lock is never handed on), for a holder
     * that may still be working; but its close releases the lease at the backend, in the background (the backend may
     * be the one failing), so the key is free as soon as the holder lets go instead of when the lease runs out.
     */
    void retire();

    /** Runs {@code action} once if the lease is lost while this handle holds it (for handles acquired unobserved). */
    void onLoss(Runnable action);
}
