package dev.ballast.core;

import dev.ballast.core.internal.ReportedErrors;
import org.jspecify.annotations.Nullable;

/**
 * One run of a task as the {@link ExecutionPolicy policies} see it: the context, the timing, the outcome and, on
 * failure, the unwrapped error and its category. Created by the executor for each call when the pipeline has policies;
 * confined to the thread running the task.
 */
public final class Execution {

    private final TaskContext context;
    private final ExceptionClassifier classifier;
    private @Nullable Object @Nullable [] states; // allocated on the first state(value), most calls never need it
    private final int policyCount;
    private final long startNanos;
    private int current;
    private long started;
    private long elapsedNanos = -1;
    private Outcome outcome = Outcome.SUCCESS;
    private @Nullable Throwable error;
    private @Nullable Throwable replacement;
    private @Nullable ErrorCategory category;

    Execution(TaskContext context, ExceptionClassifier classifier, int policyCount) {
        this.context = context;
        this.classifier = classifier;
        this.policyCount = policyCount;
        this.startNanos = System.nanoTime();
    }

    /** The task being run. */
    public TaskContext context() {
        return context;
    }

    /** How the task ended; {@link Outcome#SUCCESS} until it ends. */
    public Outcome outcome() {
        return outcome;
    }

    /** The failure, unwrapped, or null on success. */
    public @Nullable Throwable error() {
        return error;
    }

    /** The category of {@link #error()}, or null on success. Computed once, on first use. */
    public @Nullable ErrorCategory category() {
        Throwable failure = error;
        if (failure == null) {
            return null;
        }
        if (category == null) {
            category = classifier.classify(failure);
        }
        return category;
    }

    /** Nanoseconds the task took; measured when it ended, -1 before. */
    public long elapsedNanos() {
        return elapsedNanos;
    }

    /**
     * True if an executor nested inside this one already reported this error (its policies saw it first). Logging
     * policies use it to log each exception once, at the innermost level.
     */
    public boolean errorReportedByInnerTask() {
        Throwable failure = error;
        return failure != null && ReportedErrors.isReported(failure);
    }

    /** State the current policy stored in {@link #state(Object)}, or null. */
    public @Nullable Object state() {
        Object[] values = states;
        return values == null ? null : values[current];
    }

    /** Stores per-call state for the current policy, read back in its later hooks. */
    public void state(@Nullable Object value) {
        Object[] values = states;
        if (values == null) {
            if (value == null) {
                return;
            }
            values = new Object[policyCount];
            states = values;
        }
        values[current] = value;
    }

    void select(int policyIndex) {
        current = policyIndex;
    }

    void started(int policyIndex) {
        started |= 1L << policyIndex;
    }

    boolean wasStarted(int policyIndex) {
        return (started & (1L << policyIndex)) != 0;
    }

    /** Marks the error, and the exception thrown in its place by a translation, as reported by this execution. */
    void markErrorReportedIfPropagating() {
        Throwable failure = error;
        if (failure != null && (outcome == Outcome.FAILURE || outcome == Outcome.TRANSLATED)) {
            ReportedErrors.markReported(failure);
        }
        Throwable thrownInstead = replacement;
        if (thrownInstead != null) {
            ReportedErrors.markReported(thrownInstead);
        }
    }

    /** Records a translation: {@code failure} happened, {@code translated} is what the caller gets. */
    void translated(Throwable failure, Throwable translated) {
        failed(Outcome.TRANSLATED, failure);
        replacement = translated;
    }

    void succeeded() {
        elapsedNanos = System.nanoTime() - startNanos;
    }

    void failed(Outcome failureOutcome, Throwable failure) {
        elapsedNanos = System.nanoTime() - startNanos;
        outcome = failureOutcome;
        error = failure;
    }
}
