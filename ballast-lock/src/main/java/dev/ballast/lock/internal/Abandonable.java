package dev.ballast.lock.internal;

/** A handle that can stop renewing its lease without releasing it, so the lease runs out on its own. Internal. */
public interface Abandonable {

    /** Stops renewal and marks the handle invalid; a later close does not release, nor hand the lock on. */
    void abandon();
}
