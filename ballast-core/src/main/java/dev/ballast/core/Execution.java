package dev.ballast.core;

import dev.ballast.core.internal.ReportedErrors;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One run of a task as the {@link ExecutionPolicy policies} see it: the context, the timing, the outcome and, on
 * failure, the unwrapped error and its category. Created by the executor for each call when the pipeline has policies;
 * confined to the thread running the task, except that executions nested inside it (on this thread, or on another one
 * the work was handed to with {@link ContextPropagation}) record the failures they reported in it.
 *
 * <p>An execution is valid during the hooks of its call. The executor reuses the object for a later call on the same
 * thread (so a call allocates none), unless it was handed to another thread: a policy must not keep it beyond {@link
 * ExecutionPolicy#after}, and keeps what it needs later (the context, the outcome) instead.
 */
public final class Execution {

    private static final VarHandle REPORTED_INSIDE;
    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final ErrorCategory[] CATEGORIES = ErrorCategory.values();
    private static final byte UNCLASSIFIED = -1;

    static {
        try {
            REPORTED_INSIDE =
                    MethodHandles.lookup().findVarHandle(Execution.class, "reportedInside", ReportedErrors.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The frame of the thread that runs this execution; an execution is only ever reused by that thread. */
    private final TaskFrame frame;

    private @Nullable Execution parent;
    /** Failures reported by executions nested inside this one; created by the first such report. */
    private volatile @Nullable ReportedErrors reportedInside;
    /** Handed to another thread by {@link ContextPropagation}: never reused. */
    private boolean shared;

    private TaskContext context;
    private ExceptionClassifier classifier;
    private @Nullable Object @Nullable [] states; // allocated on the first state(value), most calls never need it
    private int policyCount;
    private long startNanos;
    private int current;
    private long started;
    private long elapsedNanos;
    // outcome and category as ordinals: a primitive store needs no GC write barrier, an enum reference into this
    // long-lived object does (see reset)
    private byte outcome;
    private @Nullable Throwable error;
    private @Nullable Throwable replacement;
    private byte category = UNCLASSIFIED;

    Execution(
            TaskFrame frame,
            TaskContext context,
            ExceptionClassifier classifier,
            int policyCount,
            @Nullable Execution parent) {
        this.frame = frame;
        this.context = context;
        this.classifier = classifier;
        this.policyCount = policyCount;
        this.parent = parent;
        this.elapsedNanos = -1;
        this.outcome = (byte) Outcome.SUCCESS.ordinal();
        this.startNanos = System.nanoTime();
    }

    /** Makes this finished execution a new one, as the constructor leaves it. */
    @SuppressWarnings("ReferenceEquality") // whether a field changes: identity is the question, not equality
    void reset(TaskContext context, ExceptionClassifier classifier, int policyCount, @Nullable Execution parent) {
        // The reference fields are written only when they change: this object is long-lived, so under G1 each
        // reference store into it runs the collector's post-write barrier (a memory fence on a cross-region store),
        // and most calls leave these as the last call left them (a task run again with the same context, the same
        // classifier, at the same nesting level).
        if (this.context != context) {
            this.context = context;
        }
        if (this.classifier != classifier) {
            this.classifier = classifier;
        }
        if (this.parent != parent) {
            this.parent = parent;
        }
        if (reportedInside != null) { // a volatile write is a fence: pay it only after a nested task reported
            reportedInside = null;
        }
        @Nullable Object[] values = states;
        if (values != null) {
            if (policyCount == this.policyCount) {
                Arrays.fill(values, null);
            } else {
                states = null;
            }
        }
        this.policyCount = policyCount;
        this.current = 0;
        this.started = 0;
        this.elapsedNanos = -1;
        this.outcome = (byte) Outcome.SUCCESS.ordinal();
        if (error != null) {
            error = null;
        }
        if (replacement != null) {
            replacement = null;
        }
        this.category = UNCLASSIFIED;
        this.startNanos = System.nanoTime();
    }

    /**
     * The execution running on this thread (or the one work was handed over from), marked shared: {@link
     * ContextPropagation} hands it to another thread, where executions nest in it, so it must never be reused.
     */
    static @Nullable Execution share() {
        Execution running = TaskFrame.get().current();
        if (running != null) {
            running.shared = true;
        }
        return running;
    }

    boolean shared() {
        return shared;
    }

    /** Hands the thread back to the execution this one was nested in. */
    void exit() {
        frame.makeCurrent(parent);
    }

    /** Offers this finished execution to its thread for reuse; nothing may use it afterwards. */
    void release() {
        frame.release(this);
    }

    /** The task being run. */
    public TaskContext context() {
        return context;
    }

    /** How the task ended; {@link Outcome#SUCCESS} until it ends. */
    public Outcome outcome() {
        return OUTCOMES[outcome];
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
        if (category == UNCLASSIFIED) {
            ErrorCategory classified = classifier.classify(failure);
            category = (byte) classified.ordinal();
            return classified;
        }
        return CATEGORIES[category];
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

    /** Marks every policy in {@code mask} started at once: those whose {@code before} does nothing. */
    void startedAll(long mask) {
        started |= mask;
    }

    /** Forgets the policies from {@code policyIndex} on: a {@code before} there ended the execution. */
    void startedOnlyBelow(int policyIndex) {
        started &= (1L << policyIndex) - 1;
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
        if (failure != null && (outcome() == Outcome.FAILURE || outcome() == Outcome.TRANSLATED)) {
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
        outcome = (byte) failureOutcome.ordinal();
        error = failure;
    }
}
