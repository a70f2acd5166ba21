package dev.ballast.lock.resilient;

/** Which backend of a {@link ResilientLockStrategy} grants locks: the primary (normally Redis) or the fallback (a database). */
public enum LockMode {
    /** The primary backend grants locks. */
    PRIMARY,
    /** The fallback backend grants locks. */
    FALLBACK
}
