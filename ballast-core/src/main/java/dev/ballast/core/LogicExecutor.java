package dev.ballast.core;

import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one way business code runs a unit of work: every call names its {@link TaskContext}, and the {@link
 * ExecutionPipeline} turns that into MDC, a log line on failure, a {@code ballast.task} timer and a trace span. Pick the
 * pattern by what should happen on failure (see {@code docs/executor.md} for the decision table).
 *
 * <p>One executor serves the whole application (the Spring starter builds it from the same policies):
 *
 * {@snippet class="dev.ballast.core.snippets.LogicExecutorSnippets" region="create"}
 *
 * <p>The default choice, {@link #execute}: the result comes back, a failure reaches the caller once logged and timed:
 *
 * {@snippet class="dev.ballast.core.snippets.LogicExecutorSnippets" region="execute"}
 *
 * <p>A best-effort read takes a fixed value instead of failing; a boundary turns a technical failure into a domain one:
 *
 * {@snippet class="dev.ballast.core.snippets.LogicExecutorSnippets" region="default"}
 *
 * {@snippet class="dev.ballast.core.snippets.LogicExecutorSnippets" region="translate"}
 *
 * <p>Rules common to every pattern:
 *
 * <ul>
 *   <li>{@link Error}s ({@code OutOfMemoryError}, {@code StackOverflowError}, ...) always propagate: they are never
 *       defaulted, recovered or translated. An {@code Error} from a policy propagates too, after every policy whose
 *       {@code before} returned normally has had its {@code after}; the MDC and {@link TaskContext#current()} are
 *       restored on every path.
 *   <li>An {@link InterruptedException} anywhere in the call (the task, the cleanup of {@link #executeWithFinally},
 *       a recovery, a translator) sets the thread's interrupt flag again, whichever exception reaches the caller.
 *   <li>Four wrapper types, and only these, are seen through: {@code CompletionException}, {@code
 *       ExecutionException}, {@code UndeclaredThrowableException} and {@code InvocationTargetException}. Up to 16
 *       layers are removed before the failure is classified, logged, recovered or translated; a deeper nest is
 *       handled as the wrapper found after 16 layers (the classifier still walks its causes).
 *   <li>A failure is logged once: by the innermost executor it passed through. Executions nested in an enclosing one
 *       (on its thread, or on another thread the work was handed to with {@link ContextPropagation}) tell it which
 *       exception objects they reported; it skips those, also when wrapped. Tracked by identity per call chain: the
 *       same exception object thrown by independent calls, or distinct exceptions that are {@code equals}, are logged
 *       by each call. An outer {@link #executeOrDefault} or {@link #executeWithRecovery} still writes its WARN line,
 *       without the stack trace the inner executor already printed.
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
     * function receives the unwrapped exception; what it throws propagates (a checked exception sneaked out of it
     * wrapped in a {@link ServerException}), with the task's exception suppressed on it unless it is its cause.
     */
    <T extends @Nullable Object> T executeWithRecovery(
            TaskContext context, CheckedSupplier<T> task, Function<? super Exception, ? extends T> recovery);

    /**
     * Rule: use when cleanup must run whatever happens (release a resource, delete a temp file). The finally block runs
     * exactly once, after the task. If both fail, the task's exception propagates with the finally block's added as
     * suppressed, so cleanup never masks the real failure; a finally block that rethrows the task's own exception is
     * not a second failure. One exception to that: an {@link Error} from the finally block while the task failed with
     * an exception wins, with the task's exception suppressed on it (errors always propagate). If only the finally
     * block fails, its exception propagates as {@link #execute} would propagate it.
     */
    <T extends @Nullable Object> T executeWithFinally(
            TaskContext context, CheckedSupplier<T> task, CheckedRunnable finallyBlock);

    /**
     * Rule: use at a boundary where technical exceptions (SQL, HTTP client, broker) must become domain exceptions. The
     * translator's result is thrown and the original stays reachable from it: set as its cause when the translator
     * left the cause empty, otherwise added as suppressed unless it already is in the cause chain. What the translator
     * itself throws propagates like a recovery's.
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
