package dev.ballast.boot.autoconfigure.executor;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the auto-configured {@link dev.ballast.core.LogicExecutor}, under {@code ballast.executor}.
 *
 * @param mdc the MDC policy
 * @param logging the logging policy
 * @param metrics the {@code ballast.task} timer
 * @param observation the Micrometer observation (trace span) around each task
 * @param masking masking of ids and messages in logs, MDC and traces
 */
@ConfigurationProperties("ballast.executor")
public record BallastExecutorProperties(
        @DefaultValue Mdc mdc,
        @DefaultValue Logging logging,
        @DefaultValue Metrics metrics,
        @DefaultValue Observation observation,
        @DefaultValue Masking masking) {

    /**
     * MDC policy settings.
     *
     * @param enabled whether domain, task and id are put into the MDC while a task runs
     */
    public record Mdc(@DefaultValue("true") boolean enabled) {}

    /**
     * Logging policy settings.
     *
     * @param enabled whether failures, defaults, recoveries and slow tasks are logged
     * @param businessLevel level for business (4xx) failures: INFO or WARN
     * @param slowThreshold successes slower than this are logged at WARN
     */
    public record Logging(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("INFO") BusinessLevel businessLevel,
            @DefaultValue("1s") Duration slowThreshold) {

        /** Rejects a threshold that is zero or negative. */
        public Logging {
            if (slowThreshold.isNegative() || slowThreshold.isZero()) {
                throw new IllegalArgumentException(
                        "ballast.executor.logging.slow-threshold must be positive, was " + slowThreshold);
            }
        }
    }

    /** Log level of business failures. */
    public enum BusinessLevel {
        /** Logged at INFO. */
        INFO,
        /** Logged at WARN. */
        WARN
    }

    /**
     * Metrics policy settings.
     *
     * @param enabled whether the {@code ballast.task} timer is recorded (needs a MeterRegistry)
     */
    public record Metrics(@DefaultValue("true") boolean enabled) {}

    /**
     * Observation policy settings.
     *
     * @param enabled whether each task is a Micrometer observation (needs an ObservationRegistry)
     */
    public record Observation(@DefaultValue("true") boolean enabled) {}

    /**
     * Masking settings.
     *
     * @param enabled whether ids and messages are masked
     * @param minDigits digit runs at least this long (4 to 64) are masked but for their last four digits
     */
    public record Masking(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("10") int minDigits) {

        /** Rejects an out-of-range minimum. */
        public Masking {
            if (minDigits < 4 || minDigits > 64) {
                throw new IllegalArgumentException(
                        "ballast.executor.masking.min-digits must be between 4 and 64, was " + minDigits);
            }
        }
    }
}
