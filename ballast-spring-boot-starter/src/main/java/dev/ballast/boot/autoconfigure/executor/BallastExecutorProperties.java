package dev.ballast.boot.autoconfigure.executor;

import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.core.SensitiveDataMasker;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the auto-configured {@link dev.ballast.core.LogicExecutor}, under {@code ballast.executor}.
 *
 * @param enabled whether to configure the LogicExecutor and the Task annotation at all
 * @param mdc the MDC policy
 * @param logging the logging policy
 * @param metrics the ballast.task timer
 * @param observation the Micrometer observation (trace span) around each task
 * @param masking masking of personal data in failure messages (and optionally ids) in logs, MDC and traces
 */
@ConfigurationProperties("ballast.executor")
public record BallastExecutorProperties(
        @DefaultValue("true") boolean enabled,
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
     * @param slowThreshold successes slower than this are logged at WARN (positive), as many per window as
     *     business-limit allows
     * @param businessLimit business failure lines written per domain, task and exception type in each window (at
     *     least 1), and as many infrastructure failure lines (an outage's flood) and slow-success lines per domain and
     *     task, each counted apart; the rest are counted and reported on the next line written. Failures of unknown
     *     kind are never held back
     * @param businessLimitWindow the window of the business, infrastructure and slow-success line limits (positive)
     */
    public record Logging(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("INFO") BusinessLevel businessLevel,
            @DefaultValue("1s") Duration slowThreshold,
            @DefaultValue("5") int businessLimit,
            @DefaultValue("10s") Duration businessLimitWindow) {

        /** Rejects a threshold or window that is zero or negative, and a limit below 1. */
        public Logging {
            if (slowThreshold.isNegative() || slowThreshold.isZero()) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.executor.logging.slow-threshold", slowThreshold, "must be positive");
            }
            if (businessLimit < 1) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.executor.logging.business-limit", businessLimit, "must be at least 1");
            }
            if (businessLimitWindow.isNegative() || businessLimitWindow.isZero()) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.executor.logging.business-limit-window", businessLimitWindow, "must be positive");
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
     * @param enabled whether the ballast.task timer is recorded (needs a MeterRegistry)
     */
    public record Metrics(@DefaultValue("true") boolean enabled) {}

    /**
     * Observation policy settings.
     *
     * @param enabled whether each task is a Micrometer observation, for tracing (needs an ObservationRegistry); the
     *     observation's own meters are denied, ballast.task is the one timer
     */
    public record Observation(@DefaultValue("true") boolean enabled) {}

    /**
     * Masking settings: what {@link dev.ballast.core.SensitiveDataMasker} hides in failure messages written to logs
     * and spans, and whether task ids are masked too.
     *
     * @param enabled whether anything is masked; false turns every rule below off
     * @param cardNumbers mask card numbers that pass the Luhn check, but their last four digits
     * @param residentRegistrationNumbers mask Korean resident registration numbers (YYMMDD-NNNNNNN) entirely
     * @param phoneNumbers mask phone numbers (E.164 and Korean formats), but their last four digits
     * @param emails mask e-mail local parts, but their first character
     * @param accountFields field names whose number value is an account number, masked but its last four digits
     *     (matched ignoring case, e.g. "account 110-234-567890" or "accountNo":"..."); letters, digits and '_'
     * @param minDigits also mask every standalone number of at least this many digits (4 to 64), but its last four;
     *     0 turns it off
     * @param ids whether TaskContext ids are masked with the same rules in logs, the MDC and spans (they are
     *     correlation keys, so by default they are left as they are)
     */
    public record Masking(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("true") boolean cardNumbers,
            @DefaultValue("true") boolean residentRegistrationNumbers,
            @DefaultValue("true") boolean phoneNumbers,
            @DefaultValue("true") boolean emails,

            @DefaultValue({"account", "accountNo", "accountNumber", "acctNo", "bankAccount", "계좌", "계좌번호"})
            List<String> accountFields,

            @DefaultValue("0") int minDigits,
            @DefaultValue("false") boolean ids) {

        private static final String PREFIX = "ballast.executor.masking.";

        /** Rejects an out-of-range minimum and account field names the masker cannot match. */
        public Masking {
            if (minDigits != 0 && (minDigits < 4 || minDigits > 64)) {
                throw InvalidBallastPropertyException.invalid(
                        PREFIX + "min-digits", minDigits, "must be 0 (off) or between 4 and 64");
            }
            accountFields = List.copyOf(accountFields);
            if (accountFields.size() > SensitiveDataMasker.Builder.MAX_ACCOUNT_FIELDS) {
                throw InvalidBallastPropertyException.invalid(
                        PREFIX + "account-fields",
                        accountFields.size() + " names",
                        "holds at most " + SensitiveDataMasker.Builder.MAX_ACCOUNT_FIELDS + " names");
            }
            for (int i = 0; i < accountFields.size(); i++) {
                requireFieldName(i, accountFields.get(i));
            }
        }

        private static void requireFieldName(int index, String name) {
            boolean valid = !name.isEmpty()
                    && name.length() <= 64
                    && name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
            if (!valid) {
                throw InvalidBallastPropertyException.invalid(
                        PREFIX + "account-fields[" + index + "]",
                        "'" + name + "'",
                        "must be 1 to 64 letters, digits or '_'");
            }
        }

        /** The masker these settings describe. */
        SensitiveDataMasker toMasker() {
            if (!enabled) {
                return SensitiveDataMasker.none();
            }
            return SensitiveDataMasker.builder()
                    .cardNumbers(cardNumbers)
                    .residentRegistrationNumbers(residentRegistrationNumbers)
                    .phoneNumbers(phoneNumbers)
                    .emails(emails)
                    .accountFields(accountFields)
                    .digitRuns(minDigits)
                    .maskIds(ids)
                    .build();
        }
    }
}
