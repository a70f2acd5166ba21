package dev.ballast.core;

/** A task without a result that may throw a checked exception. */
@FunctionalInterface
public interface CheckedRunnable {
    /** Runs the task. */
    void run() throws Exception;
}
