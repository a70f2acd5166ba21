package dev.ballast.core;

import org.jspecify.annotations.Nullable;

/**
 * What the executor keeps per thread, behind one thread-local look-up per call: the current task, the current {@link
 * Execution}, and one finished execution kept for the next call on this thread to reuse (so a call through a pipeline
 * allocates no {@code Execution}). Confined to its thread, except that an execution handed to another thread by {@link
 * ContextPropagation} is marked shared and is then never reused.
 */
final class TaskFrame {

    private static final ThreadLocal<TaskFrame> FRAME = ThreadLocal.withInitial(TaskFrame::new);

    /** What the spare holds before its first use; never seen by a policy. */
    private static final TaskContext IDLE = new TaskContext("Ballast", "Idle", "-");

    /**
     * The task running on this thread (or handed over to it) when no execution holds it: set by a run without policies
     * and by {@link ContextPropagation}; a run with policies sets it to null instead, its execution holds the task (one
     * reference store per call fewer into this long-lived object, each of which costs a G1 write barrier). Read through
     * {@link #currentTask()}.
     */
    @Nullable
    TaskContext task;

    /**
     * The execution running on this thread (or the one work was handed over from) when it is not the spare; read and
     * written through {@link #current()} and {@link #makeCurrent}. Stale while {@link #spareCurrent}.
     */
    private @Nullable Execution execution;

    /**
     * The spare is the current execution. A flag rather than a store of the spare into {@link #execution}: a
     * reference store into this long-lived object costs a G1 write barrier, a flag does not.
     */
    private boolean spareCurrent;

    /**
     * The execution this thread reuses, once it has one; null after it was handed to another thread. Kept while in use
     * ({@link #spareInUse}) rather than cleared and set again: a reference store into this long-lived object costs a
     * G1 write barrier, a flag does not.
     */
    private @Nullable Execution spare;

    private boolean spareInUse;

    private TaskFrame() {
        // created with the frame: no call stores a reference to it afterwards (see spareCurrent and spareInUse)
        spare = new Execution(this, IDLE, ExceptionClassifier.defaults(), 0, null);
    }

    /** The task this thread runs: the innermost of {@link #task} and the current execution's. */
    @Nullable
    TaskContext currentTask() {
        TaskContext own = task;
        if (own != null) {
            return own;
        }
        Execution running = current();
        return running == null ? null : running.context();
    }

    /** The execution running on this thread (or the one work was handed over from); the parent of the next one. */
    @Nullable
    Execution current() {
        return spareCurrent ? spare : execution;
    }

    /** Makes {@code running} the current execution (null: none). */
    @SuppressWarnings("ReferenceEquality") // which object is current: identity is the question
    void makeCurrent(@Nullable Execution running) {
        if (running != null && running == spare) {
            spareCurrent = true;
        } else {
            spareCurrent = false;
            if (execution != running) { // most calls end at the top level, where this stays null
                execution = running;
            }
        }
    }

    /** This thread's frame. */
    static TaskFrame get() {
        return FRAME.get();
    }

    /** Starts an execution of {@code context} nested in the current one and makes it current. */
    Execution enter(TaskContext context, ExceptionClassifier classifier, int policyCount) {
        Execution parent = current();
        Execution reused = spare;
        if (reused != null && !spareInUse) {
            spareInUse = true;
            reused.reset(context, classifier, policyCount, parent);
            spareCurrent = true;
            return reused;
        }
        Execution started = new Execution(this, context, classifier, policyCount, parent);
        spareCurrent = false;
        execution = started;
        return started;
    }

    /** Keeps {@code finished} for reuse unless it was handed to another thread or a spare is already kept. */
    void release(Execution finished) {
        if (finished == spare) {
            spareInUse = false;
            if (finished.shared()) {
                spare = null; // handed to another thread: never reused
            }
        } else if (spare == null && !finished.shared()) {
            spare = finished;
        }
    }
}
