package dev.ballast.core;

import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one way business code runs a unit of work: every call names its {@link TaskContext}, and the {@link
 * ExecutionPipeline} turns that into MDC, a log line on failure, a {@code ballast.task} timer and a trace span. Pick the
 * pattern by what should happen on failure (see {@code docs/executor.md} for the decision table).
 *
 * <p>Rules common to every pattern:
 *
 * <ul>
 *   <li>{@link Error}s ({@code OutOfMemoryError}, {@code StackOverflowError}, ...) always propagate: they are never
 *       defaulted, recovered or translated.
 *   <li>A task failing with {@link InterruptedException} gets the thread's interrupt flag set again.
 *   <li>{@code CompletionException}, {@code ExecutionException} and {@code UndeclaredThrowableException} are unwrapped
 *       before the failure is classified, logged, recovered or translated.
 *   <li>An exception is logged once, by the innermost executor it passed through.
 * </ul>
 *
 * <p>Implementations are thread-safe.
 */
public interface LogicExecutor {

    /**
     * Rule: use when a failure should reach the caller. Runtime exceptions and errors propagate unchanged; a checked
     * exception is wrapped in a {@link ServerException} ({@link CommonErrorCode#INTERNAL_ERROR}) carrying it as cause.
     */
    <T extends @Nullable Object> T execute(TaskContext context, CheckedSupplier<T> task);

    /** Rule: {@link #execute} for a task without a result. */
    void executeVoid(TaskContext context, CheckedRunnable task);

    /**
     * Rule: use when a failure is tolerable and a fixed value will do (optional enrichments, best-effort reads). Each
     * default is logged at WARN and counted with outcome {@code default}; errors still propagate.
     */
    <T extends @Nullable Object> T executeOrDefault(TaskContext context, CheckedSupplier<T> task, T defaultValue);

    /**
     * Rule: use when the fallback depends on the failure (serve stale data, try another source). The recovery
     * function receives the unwrapped exception; what it throws propagates, with the task's exception suppressed.
     */
    <T extends @Nullable Object> T executeWithRecovery(
            TaskContext context, CheckedSupplier<T> task, Function<? super Exception, ? extends T> recovery);

    /**
     * Rule: use when cleanup must run whatever happens (release a resource, delete a temp file). The finally block runs
     * exactly once, after the task; if both fail, the task's exception propagates with the finally block's added as
     * suppressed, so cleanup never masks the real failure.
     */
    <T extends @Nullable Object> T executeWithFinally(
            TaskContext context, CheckedSupplier<T> task, CheckedRunnable finallyBlock);

    /**
     * Rule: use at a boundary where technical exceptions (SQL, HTTP client, broker) must become domain exceptions. The
     * translator's result is thrown, with the original kept as its cause.
     */
    <T extends @Nullable Object> T executeWithTranslation(
            TaskContext context, CheckedSupplier<T> task, ExceptionTranslator translator);

    /** The pipeline this executor runs. */
    ExecutionPipeline pipeline();

    /** An executor running {@code pipeline}. */
    static LogicExecutor create(ExecutionPipeline pipeline) {
        return new DefaultLogicExecutor(Objects.requireNonNull(pipeline, "pipeline"));
    }
}
