package dev.ballast.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * The failures that executions nested inside one execution have already reported, so the enclosing execution does not
 * report them again. One instance per enclosing execution, created on the first report it receives: an execution's
 * policies ask "did a task nested inside me already report this?", never "was this reported anywhere, ever?". That is
 * what makes "logged once" hold per failure and per call chain: the same exception object thrown by independent calls,
 * or exceptions that are {@code equals}, are each reported by their own call.
 *
 * <p>Compared by identity, along the cause chain of the failure asked about (an outer layer may have wrapped it). Holds
 * the {@value #CAPACITY} most recent reports: a task that swallows more failures than that from its nested tasks and
 * then rethrows an early one gets it reported twice, which is the safe side.
 *
 * <p>Thread-safe: nested executions usually report from the enclosing execution's own thread, but work handed to a
 * pool through {@code ContextPropagation} reports from the pool's thread. Only failure paths touch it.
 */
public final class ReportedErrors {

    private static final int CAPACITY = 16;
    private static final int MAX_CAUSE_DEPTH = 16;

    private final Throwable[] reported = new Throwable[CAPACITY]; // guarded by this; a ring, newest at next - 1
    private int next;

    /** Records that {@code error} has been reported by a nested execution. */
    public synchronized void add(Throwable error) {
        if (contains(error)) {
            return;
        }
        reported[next] = error;
        next = (next + 1) % CAPACITY;
    }

    /** True if {@code error}, or one of its causes, is the very object a nested execution reported. */
    public synchronized boolean containsAnyInCauseChain(Throwable error) {
        Throwable current = error;
        for (int depth = 0; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
            if (contains(current)) {
                return true;
            }
            Throwable cause = current.getCause();
            current = cause == current ? null : cause;
        }
        return false;
    }

    private boolean contains(@Nullable Throwable error) {
        for (Throwable each : reported) {
            if (each == error) {
                return true;
            }
        }
        return false;
    }
}
