package dev.ballast.lock.internal;

/**
 * A handle of {@link LeaseLockStrategy} as a wrapping strategy sees it: it can stop renewing without releasing, so the
 * lease runs out on its own, and it tells the wrapper when its lease is lost. Internal.
 */
public interface Abandonable {

    /** Stops renewal and marks the handle invalid; a later close does not release, nor hand the lock on. */
    void abandon();

    /** Runs {@code action} once if the lease is lost while this handle holds it (for handles acquired unobserved). */
    void onLoss(Runnable action);
}
