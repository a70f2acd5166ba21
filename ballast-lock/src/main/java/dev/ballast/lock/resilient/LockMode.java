package dev.ballast.lock.resilient;

/** Which backend grants locks: the primary (normally Redis) or the fallback (a database). */
enum LockMode {
    PRIMARY,
    FALLBACK
}
