package dev.ballast.core;

import dev.ballast.core.internal.CurrentTask;
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
     */
    @SuppressWarnings("unchecked")
    private <T extends @Nullable Object, A extends @Nullable Object> T run(
            TaskContext context,
            @Nullable CheckedSupplier<T> supplier,
            @Nullable CheckedRunnable runnable,
            FailureMode<A> onFailure,
            A argument) {
        Objects.requireNonNull(context, "context");
        TaskContext previous = CurrentTask.enter(context);
        Execution execution = pipeline.start(context);
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
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (thrown instanceof Error || failure instanceof Error) {
                record(execution, Outcome.FAILURE, failure);
                throw thrown instanceof Error error ? error : (Error) failure;
            }
            return (T) onFailure.handle(execution, thrown, asException(thrown, failure), argument);
        } finally {
            if (execution != null) {
                pipeline.finish(execution);
            }
            CurrentTask.restore(previous);
        }
    }

    private static <T> T runWithFinally(CheckedSupplier<T> task, CheckedRunnable finallyBlock) throws Exception {
        Throwable primary = null;
        try {
            return task.get();
        } catch (Throwable taskFailure) {
            primary = taskFailure;
            throw taskFailure;
        } finally {
            try {
                finallyBlock.run();
            } catch (Throwable cleanupFailure) {
                if (primary == null) {
                    throw cleanupFailure;
                }
                primary.addSuppressed(cleanupFailure);
            }
        }
    }

    /** The exception handed to failure modes; the rare Throwable that is neither Exception nor Error gets wrapped. */
    private static Exception asException(Throwable thrown, Throwable failure) {
        if (failure instanceof Exception exception) {
            return exception;
        }
        return ServerException.wrapping(failure == thrown ? thrown : failure);
    }

    private static void record(@Nullable Execution execution, Outcome outcome, Throwable failure) {
        if (execution != null) {
            execution.failed(outcome, failure);
        }
    }

    private static void attachSuppressed(Throwable thrown, Throwable original) {
        if (thrown != original && thrown.getCause() != original) {
            thrown.addSuppressed(original);
        }
    }

    private static void keepCause(RuntimeException translated, Throwable original) {
        if (translated != original && translated.getCause() == null) {
            try {
                translated.initCause(original);
            } catch (IllegalStateException alreadyInitialised) {
                // constructed with an explicit null cause; nothing more we can attach
            }
        }
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
                } catch (RuntimeException | Error recoveryFailure) {
                    attachSuppressed(recoveryFailure, failure);
                    record(execution, Outcome.FAILURE, recoveryFailure);
                    throw recoveryFailure;
                }
                record(execution, Outcome.RECOVERED, failure);
                return recovered;
            };

    /** executeWithTranslation: throw the translator's exception, with the original as its cause. */
    private static final FailureMode<ExceptionTranslator> TRANSLATE = (execution, thrown, failure, translator) -> {
        RuntimeException translated;
        try {
            translated = Objects.requireNonNull(translator.translate(failure), "ExceptionTranslator returned null");
        } catch (RuntimeException | Error translatorFailure) {
            attachSuppressed(translatorFailure, failure);
            record(execution, Outcome.FAILURE, translatorFailure);
            throw translatorFailure;
        }
        keepCause(translated, failure);
        if (execution != null) {
            execution.translated(failure, translated);
        }
        throw translated;
    };
}
