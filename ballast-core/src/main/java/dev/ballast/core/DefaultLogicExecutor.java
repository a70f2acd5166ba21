package dev.ballast.core;

import dev.ballast.core.internal.Throwables;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** The {@link LogicExecutor}: one code path, {@link #run}, and a {@link FailureMode} per pattern. Thread-safe. */
final class DefaultLogicExecutor implements LogicExecutor {

    private final ExecutionPipeline pipeline;

    DefaultLogicExecutor(ExecutionPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public <T extends @Nullable Object> T execute(TaskContext context, CheckedSupplier<T> task) {
        Objects.requireNonNull(task, "task");
        return run(context, task, null, PROPAGATE, null);
    }

    @Override
    public void executeVoid(TaskContext context, CheckedRunnable task) {
        Objects.requireNonNull(task, "task");
        run(context, null, task, PROPAGATE, null);
    }

    @Override
    public <T extends @Nullable Object> T executeOrDefault(
            TaskContext context, CheckedSupplier<T> task, T defaultValue) {
        Objects.requireNonNull(task, "task");
        return run(context, task, null, DEFAULT, defaultValue);
    }

    @Override
    public <T extends @Nullable Object> T executeWithRecovery(
            TaskContext context, CheckedSupplier<T> task, Function<? super Exception, ? extends T> recovery) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(recovery, "recovery");
        return run(context, task, null, RECOVER, recovery);
    }

    @Override
    public <T extends @Nullable Object> T executeWithFinally(
            TaskContext context, CheckedSupplier<T> task, CheckedRunnable finallyBlock) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(finallyBlock, "finallyBlock");
        return run(context, () -> runWithFinally(task, finallyBlock), null, PROPAGATE, null);
    }

    @Override
    public <T extends @Nullable Object> T executeWithTranslation(
            TaskContext context, CheckedSupplier<T> task, ExceptionTranslator translator) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(translator, "translator");
        return run(context, task, null, TRANSLATE, translator);
    }

    @Override
    public ExecutionPipeline pipeline() {
        return pipeline;
    }

    /**
     * The single code path of every pattern. Runs {@code supplier}, or {@code runnable} when there is no supplier;
     * the pattern's failure mode and its argument are passed in rather than captured, so no call allocates a lambda.
     * The current task is restored on every path, including an {@link Error} from a policy.
     */
    @SuppressWarnings("ReferenceEquality") // whether the frame's field changes: identity is the question, not equality
    private <T extends @Nullable Object, A extends @Nullable Object> T run(
            TaskContext context,
            @Nullable CheckedSupplier<T> supplier,
            @Nullable CheckedRunnable runnable,
            FailureMode<A> onFailure,
            A argument) {
        Objects.requireNonNull(context, "context");
        TaskFrame frame = TaskFrame.get(); // the thread's one look-up: current task and execution are its fields
        TaskContext previous = frame.task;
        // with policies the execution holds the task (TaskFrame.currentTask): the frame's own field is cleared, which
        // at the top level, where it is already null, writes nothing
        TaskContext own = pipeline.isEmpty() ? context : null;
        if (own != previous) {
            frame.task = own;
        }
        try {
            Execution execution = pipeline.start(context, frame); // an Error from a before hook closes what it started
            return runStarted(execution, supplier, runnable, onFailure, argument);
        } finally {
            if (own != previous) {
                frame.task = previous;
            }
        }
    }

    // NullAway: T is Void on the runnable path (null its only value) and the failure mode's result is the caller's T
    @SuppressWarnings({"unchecked", "NullAway"})
    private <T extends @Nullable Object, A extends @Nullable Object> T runStarted(
            @Nullable Execution execution,
            @Nullable CheckedSupplier<T> supplier,
            @Nullable CheckedRunnable runnable,
            FailureMode<A> onFailure,
            A argument) {
        try {
            T result;
            if (supplier != null) {
                result = supplier.get();
            } else {
                runnable.run();
                result = null;
            }
            if (execution != null) {
                execution.succeeded();
            }
            return result;
        } catch (Throwable thrown) {
            Throwable failure = Throwables.unwrap(thrown);
            Throwables.restoreInterrupt(failure);
            if (failure instanceof Error error) {
                record(execution, Outcome.FAILURE, error);
                throw error;
            }
            return (T) onFailure.handle(execution, thrown, asException(failure), argument);
        } finally {
            if (execution != null) {
                pipeline.finish(execution);
            }
        }
    }

    /**
     * The body of {@link #executeWithFinally}: the cleanup runs exactly once. When both fail the task's failure wins,
     * carrying the cleanup's as suppressed, unless the cleanup threw an {@link Error} and the task did not: then the
     * error wins, carrying the task's failure. Cleanup rethrowing the task's own exception is that exception, not a
     * second failure; an {@link InterruptedException} from cleanup restores the interrupt flag whatever wins.
     */
    private static <T> T runWithFinally(CheckedSupplier<T> task, CheckedRunnable finallyBlock) throws Exception {
        T result;
        try {
            result = task.get();
        } catch (Throwable taskFailure) {
            throw Throwables.sneaky(cleanUpAfter(taskFailure, finallyBlock));
        }
        finallyBlock.run();
        return result;
    }

    /** Runs the cleanup after the task failed; returns what the caller should get. */
    private static Throwable cleanUpAfter(Throwable taskFailure, CheckedRunnable finallyBlock) {
        try {
            finallyBlock.run();
            return taskFailure;
        } catch (Throwable cleanupFailure) {
            Throwable cleanupCause = Throwables.unwrap(cleanupFailure);
            Throwables.restoreInterrupt(cleanupCause);
            if (cleanupFailure == taskFailure || cleanupCause == taskFailure) {
                return taskFailure;
            }
            if (cleanupCause instanceof Error error && !(Throwables.unwrap(taskFailure) instanceof Error)) {
                error.addSuppressed(taskFailure);
                return error;
            }
            taskFailure.addSuppressed(cleanupFailure);
            return taskFailure;
        }
    }

    /** The exception handed to failure modes; the rare Throwable that is neither Exception nor Error gets wrapped. */
    private static Exception asException(Throwable failure) {
        return failure instanceof Exception exception ? exception : ServerException.wrapping(failure);
    }

    private static void record(@Nullable Execution execution, Outcome outcome, Throwable failure) {
        if (execution != null) {
            execution.failed(outcome, failure);
        }
    }

    /**
     * What a recovery or translator threw, made fit to propagate: the interrupt flag restored for an {@link
     * InterruptedException}, recorded as the execution's failure, the task's failure suppressed on what the caller gets
     * unless it is its cause; a checked exception (only sneaky code throws one from a {@code Function}) wrapped the way
     * {@link #execute} wraps one.
     */
    private static RuntimeException propagateHandlerFailure(
            @Nullable Execution execution, Throwable handlerFailure, Exception taskFailure) {
        Throwable unwrapped = Throwables.unwrap(handlerFailure);
        Throwables.restoreInterrupt(unwrapped);
        record(execution, Outcome.FAILURE, unwrapped);
        if (unwrapped instanceof Error error) {
            attachSuppressed(error, taskFailure);
            throw error;
        }
        RuntimeException propagated;
        if (handlerFailure instanceof RuntimeException runtime) {
            propagated = runtime;
        } else {
            propagated = unwrapped instanceof RuntimeException runtime ? runtime : ServerException.wrapping(unwrapped);
        }
        attachSuppressed(propagated, taskFailure);
        return propagated;
    }

    private static void attachSuppressed(Throwable thrown, Throwable original) {
        if (thrown != original && thrown.getCause() != original) {
            thrown.addSuppressed(original);
        }
    }

    /**
     * Keeps the original failure reachable from what a translator returned: as its cause when the translator left the
     * cause empty, else as a suppressed exception unless it is already in the cause chain.
     */
    private static void keepOriginal(RuntimeException translated, Throwable original) {
        if (translated == original || Throwables.inCauseChain(translated, original)) {
            return;
        }
        if (translated.getCause() == null) {
            try {
                translated.initCause(original);
                return;
            } catch (IllegalStateException causeFixedAtConstruction) {
                // built with an explicit null cause: fall through to suppressed
            }
        }
        translated.addSuppressed(original);
    }

    /** What a pattern does with a failed task: return a value or throw. {@code argument} is the pattern's own. */
    @FunctionalInterface
    private interface FailureMode<A extends @Nullable Object> {
        @Nullable
        Object handle(@Nullable Execution execution, Throwable thrown, Exception failure, A argument);
    }

    /**
     * execute, executeVoid, executeWithFinally: record the failure and let it reach the caller; a runtime exception
     * unchanged, a checked wrapper around a runtime exception (e.g. {@code ExecutionException}) as that runtime
     * exception, any other checked exception wrapped in a {@link ServerException}.
     */
    private static final FailureMode<@Nullable Object> PROPAGATE = (execution, thrown, failure, unused) -> {
        record(execution, Outcome.FAILURE, failure);
        if (thrown instanceof RuntimeException runtime) {
            throw runtime;
        }
        throw failure instanceof RuntimeException runtime ? runtime : ServerException.wrapping(failure);
    };

    /** executeOrDefault: record outcome default and return the default value. */
    private static final FailureMode<@Nullable Object> DEFAULT = (execution, thrown, failure, defaultValue) -> {
        record(execution, Outcome.DEFAULT, failure);
        return defaultValue;
    };

    /** executeWithRecovery: the recovery's value, or what it throws with the task's failure suppressed. */
    private static final FailureMode<Function<? super Exception, ?>> RECOVER =
            (execution, thrown, failure, recovery) -> {
                Object recovered;
                try {
                    recovered = recovery.apply(failure);
                } catch (Throwable recoveryFailure) {
                    throw propagateHandlerFailure(execution, recoveryFailure, failure);
                }
                record(execution, Outcome.RECOVERED, failure);
                return recovered;
            };

    /** executeWithTranslation: throw the translator's exception, with the original as its cause. */
    private static final FailureMode<ExceptionTranslator> TRANSLATE = (execution, thrown, failure, translator) -> {
        RuntimeException translated;
        try {
            translated = Objects.requireNonNull(translator.translate(failure), "ExceptionTranslator returned null");
        } catch (Throwable translatorFailure) {
            throw propagateHandlerFailure(execution, translatorFailure, failure);
        }
        keepOriginal(translated, failure);
        if (execution != null) {
            execution.translated(failure, translated);
        }
        throw translated;
    };
}
