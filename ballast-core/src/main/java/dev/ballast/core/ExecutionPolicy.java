package dev.ballast.core;

/**
 * A hook around every execution of a {@link LogicExecutor}: MDC, logging, metrics and tracing are policies, and users
 * add their own. Shaped like Micrometer's {@code Observation.observe()}: {@link #before} runs in ascending {@link
 * #order()}; {@link #onSuccess} or {@link #onFailure}, then {@link #after}, run in descending order, so a policy with a
 * lower order wraps the ones with a higher order the way nested scopes do.
 *
 * <p>{@code after} runs exactly once for every {@code before} that returned normally, whatever the task or the other
 * policies throw. A policy that throws an exception is logged and skipped: it never breaks the business call. A policy
 * that throws an {@link Error} does not stop the other policies either: when {@code before} throws one, the task does
 * not run, the policies already started get {@code onFailure} (with that error as the failure) and {@code after}; when
 * a later hook throws one, the remaining hooks still run. Then the error propagates to the caller, with the task's own
 * failure suppressed on it (if the task itself failed with an error, that error propagates instead). Implementations
 * must be thread-safe; per-call state belongs in {@link Execution#state()}.
 */
public interface ExecutionPolicy {

    /** Order of the MDC policy: outermost, so every other policy's log lines carry domain, task and id. */
    int MDC_ORDER = -300;
    /** Order of the observation (tracing) policy. */
    int OBSERVATION_ORDER = -200;
    /** Order of the metrics policy. */
    int METRICS_ORDER = -100;
    /** Order of the logging policy. */
    int LOGGING_ORDER = 0;
    /** Default order for user policies: inside the built-in ones. */
    int DEFAULT_ORDER = 100;

    /** Position in the pipeline; lower runs its {@code before} earlier and its {@code after} later. */
    default int order() {
        return DEFAULT_ORDER;
    }

    /** Called before the task runs. */
    default void before(Execution execution) {}

    /** Called after the task returned normally. */
    default void onSuccess(Execution execution) {}

    /**
     * Called after the task failed, with {@link Execution#outcome()} saying what the executor did about it and {@link
     * Execution#error()} holding the unwrapped exception.
     */
    default void onFailure(Execution execution) {}

    /** Called last, whatever happened. */
    default void after(Execution execution) {}
}
