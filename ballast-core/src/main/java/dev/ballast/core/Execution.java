package dev.ballast.core;

import dev.ballast.core.internal.ReportedErrors;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One run of a task as the {@link ExecutionPolicy policies} see it: the context, the timing, the outcome and, on
 * failure, the unwrapped error and its category. Created by the executor for each call when the pipeline has policies;
 * confined to the thread running the task, except that executions nested inside it (on this thread, or on another one
 * the work was handed to with {@link ContextPropagation}) record the failures they reported in it.
 */
public final class Execution {

    /** The execution running on this thread, or the one work was handed over from; the parent of the next one. */
    private static final ThreadLocal<@Nullable Execution> CURRENT = new ThreadLocal<>();

    private static final VarHandle REPORTED_INSIDE;

    static {
        try {
            REPORTED_INSIDE =
                    MethodHandles.lookup().findVarHandle(Execution.class, "reportedInside", ReportedErrors.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final @Nullable Execution parent;
    /** Failures reported by executions nested inside this one; created by the first such report. */
    private volatile @Nullable ReportedErrors reportedInside;

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
        this.parent = CURRENT.get();
    }

    /** The execution whose task is running on this thread (or was handed over to it), or null. */
    static @Nullable Execution current() {
        return CURRENT.get();
    }

    /**
     * Makes {@code execution} the parent of executions started on this thread from now on, returning the one it
     * replaces; {@link ContextPropagation} uses it so work handed to another thread nests in the submitter's execution.
     * Sets rather than removes, so the executor's own enter/exit never re-allocates the thread-local entry.
     */
    static @Nullable Execution install(@Nullable Execution execution) {
        Execution previous = CURRENT.get();
        CURRENT.set(execution);
        return previous;
    }

    /** Makes this the current execution of this thread. */
    void enter() {
        CURRENT.set(this);
    }

    /** Hands the thread back to the execution this one was nested in. */
    void exit() {
        CURRENT.set(parent);
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
     * True if an execution nested inside this one already reported this very error (its policies saw it first), or an
     * exception it was wrapped in. Logging policies use it to log each failure once, at the innermost level. Compared
     * by identity: an equal exception, or the same object thrown again by a call that was not nested in this one, is a
     * new failure.
     */
    public boolean errorReportedByInnerTask() {
        Throwable failure = error;
        ReportedErrors inside = reportedInside;
        return failure != null && inside != null && inside.containsAnyInCauseChain(failure);
    }

    /** State the current policy stored in {@link #state(Object)}, or null. */
    public @Nullable Object state() {
        @Nullable Object[] values = states;
        return values == null ? null : values[current];
    }

    /** Stores per-call state for the current policy, read back in its later hooks. */
    public void state(@Nullable Object value) {
        @Nullable Object[] values = states;
        if (values == null) {
            if (value == null) {
                return;
            }
            values = new @Nullable Object[policyCount];
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

    /**
     * Tells the enclosing execution which failure this one reported and lets through: the error when it propagates
     * (outcome failure or translated) and the exception thrown in its place by a translation. A default or a recovery
     * ends the failure here, so nothing is passed on.
     */
    void reportToParent() {
        Execution enclosing = parent;
        if (enclosing == null) {
            return;
        }
        Throwable failure = error;
        if (failure != null && (outcome == Outcome.FAILURE || outcome == Outcome.TRANSLATED)) {
            enclosing.reportedInside().add(failure);
        }
        Throwable thrownInstead = replacement;
        if (thrownInstead != null) {
            enclosing.reportedInside().add(thrownInstead);
        }
    }

    private ReportedErrors reportedInside() {
        ReportedErrors inside = reportedInside;
        if (inside != null) {
            return inside;
        }
        ReportedErrors created = new ReportedErrors();
        ReportedErrors witness = (ReportedErrors) REPORTED_INSIDE.compareAndExchange(this, null, created);
        return witness == null ? created : witness;
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
