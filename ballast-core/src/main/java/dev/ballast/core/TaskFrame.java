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

    /** The task running on this thread (or handed over to it), or null. */
    @Nullable
    TaskContext task;

    /** The execution running on this thread (or the one work was handed over from); the parent of the next one. */
    @Nullable
    Execution execution;

    /** A finished, unshared execution of this thread, ready to be reused; null while one is in use. */
    private @Nullable Execution spare;

    private TaskFrame() {}

    /** This thread's frame. */
    static TaskFrame get() {
        return FRAME.get();
    }

    /** Starts an execution of {@code context} nested in the current one and makes it current. */
    Execution enter(TaskContext context, ExceptionClassifier classifier, int policyCount) {
        Execution parent = execution;
        Execution reused = spare;
        Execution started;
        if (reused != null) {
            spare = null;
            reused.reset(context, classifier, policyCount, parent);
            started = reused;
        } else {
            started = new Execution(this, context, classifier, policyCount, parent);
        }
        execution = started;
        return started;
    }

    /** Keeps {@code finished} for reuse unless it was handed to another thread or a spare is already kept. */
    void release(Execution finished) {
        if (spare == null && !finished.shared()) {
            spare = finished;
        }
    }
}
