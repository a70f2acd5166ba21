package dev.ballast.core;

/**
 * A hook around every execution of a {@link LogicExecutor}: MDC, logging, metrics and tracing are policies, and users
 * add their own. Shaped like Micrometer's {@code Observation.observe()}: {@link #before} runs in ascending {@link
 * #order()}; {@link #onSuccess} or {@link #onFailure}, then {@link #after}, run in descending order, so a policy with a
 * lower order wraps the ones with a higher order the way nested scopes do.
 *
 * <p>{@code after} runs exactly once for every {@code before} that returned normally. A policy that throws a {@link
 * RuntimeException} is logged and skipped: it never breaks the business call. Implementations must be thread-safe;
 * per-call state belongs in {@link Execution#state()}.
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
