package dev.ballast.cache;

/** One caller's loader bound to its key: runs it once, timed, and returns the slot without storing it anywhere. */
@FunctionalInterface
interface KeyLoad {
    Slot run();
}
