package dev.ballast.core.policy;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.Execution;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.Outcome;
import dev.ballast.core.PlannedUnavailability;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import dev.ballast.core.internal.MaskedFailure;
import dev.ballast.core.internal.PoolTimeouts;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes one structured log line per noteworthy execution, on logger {@code ballast.task.<domain>} with key-values
 * {@code outcome}, {@code elapsedMs}, {@code exception}, and {@code domain}, {@code task}, {@code id} unless the MDC
 * already holds them (as it does with {@link MdcPolicy}). Messages go through the masker's {@link
 * SensitiveDataMasker#mask}, the id through its {@link SensitiveDataMasker#maskId}.
 *
 * <ul>
 *   <li>a failure: once, by the innermost executor; business failures at the configured level (INFO by default)
 *       without a stack trace, everything else at ERROR with it. Business failures are expected answers ("lock
 *       busy", "insufficient funds") and infrastructure failures come in floods during an outage (every request
 *       fails the same way), so both are rate-limited, each kind on its own, per domain, task, exception type and
 *       error code: at most {@code lines} per {@code window} (5 per 10 s by default, see {@link
 *       #withBusinessLogLimit}); the next line written after a suppression carries {@code suppressed=N}. Failures of
 *       an unknown category (bugs) are never suppressed;
 *   <li>a failure caused by a connection pool that gave no connection within its timeout while the database was
 *       reachable (HikariCP's {@code SQLTransientConnectionException} without a cause): an overloaded instance's
 *       back-pressure, answered 503 with {@code Retry-After}, not a fault. WARN without a stack trace, naming the
 *       pool's exception and message, at most one line per {@code window} for all tasks together, carrying {@code
 *       suppressed=N}; the pool's own {@code hikaricp.connections.timeout} counts every one. A pool that cannot reach
 *       the database is an outage and is logged as above;
 *   <li>a failure marked {@link PlannedUnavailability} (a caller whose lock wait ends inside a planned switch of the
 *       lock backend, which is logged on its own): WARN without a stack trace, rate-limited as an infrastructure
 *       failure;
 *   <li>a default or a recovery: WARN, with the stack trace only when the failure's category is unknown and no
 *       executor nested inside already logged it (one stack trace per failure);
 *   <li>a success: DEBUG, or WARN when slower than the slow threshold. Slow successes come in floods too (every
 *       request waits on the same slow dependency), so the WARN lines are rate-limited like failures, per domain and
 *       task, counted apart, carrying {@code suppressed=N}.
 * </ul>
 *
 * Thread-safe.
 */
public final class LoggingPolicy implements ExecutionPolicy {

    /** Logger name prefix; the domain is appended. */
    public static final String LOGGER_PREFIX = "ballast.task.";

    private final SensitiveDataMasker masker;
    private final Level businessLevel;
    private final long slowNanos;
    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final BusinessLogLimit businessLimit;
    private final BusinessLogLimit infrastructureLimit;
    private final BusinessLogLimit poolTimeoutLimit;
    private final BusinessLogLimit slowLimit;
    private volatile @Nullable DomainLogger last;

    private LoggingPolicy(
            SensitiveDataMasker masker, Level businessLevel, Duration slowThreshold, BusinessLogLimit businessLimit) {
        this.masker = masker;
        this.businessLevel = businessLevel;
        this.slowNanos = slowThreshold.toNanos();
        this.businessLimit = businessLimit;
        this.infrastructureLimit = businessLimit.fresh();
        this.poolTimeoutLimit = businessLimit.oneLine();
        this.slowLimit = businessLimit.fresh();
    }

    /**
     * A logging policy.
     *
     * @param masker applied to exception messages ({@link SensitiveDataMasker#mask}) and ids ({@link
     *     SensitiveDataMasker#maskId})
     * @param businessLevel level for business failures: INFO or WARN
     * @param slowThreshold successes slower than this are logged at WARN; positive
     */
    public static LoggingPolicy create(SensitiveDataMasker masker, Level businessLevel, Duration slowThreshold) {
        Objects.requireNonNull(masker, "masker");
        Objects.requireNonNull(businessLevel, "businessLevel");
        Objects.requireNonNull(slowThreshold, "slowThreshold");
        if (businessLevel != Level.INFO && businessLevel != Level.WARN) {
            throw new IllegalArgumentException("businessLevel must be INFO or WARN, was " + businessLevel);
        }
        if (slowThreshold.isNegative() || slowThreshold.isZero()) {
            throw new IllegalArgumentException("slowThreshold must be positive, was " + slowThreshold);
        }
        return new LoggingPolicy(
                masker,
                businessLevel,
                slowThreshold,
                new BusinessLogLimit(DEFAULT_BUSINESS_LINES, DEFAULT_BUSINESS_WINDOW, InstantSource.system()));
    }

    /** Business failure lines written per domain, task and exception type in each window, by default. */
    public static final int DEFAULT_BUSINESS_LINES = 5;

    /** The default window of the business failure line limit. */
    public static final Duration DEFAULT_BUSINESS_WINDOW = Duration.ofSeconds(10);

    /**
     * This policy with another limit on business failure lines, and on infrastructure failure and slow success lines
     * (each counted apart):
     * at most {@code lines} per {@code window} for each domain, task and exception type; the rest are counted and the
     * count is reported on the next line written. Pool timeouts get one line per {@code window} for all tasks.
     *
     * @param lines lines per window, at least 1
     * @param window the window, positive
     * @param clock the time source of the windows (the system clock in production; a controllable one in tests)
     */
    public LoggingPolicy withBusinessLogLimit(int lines, Duration window, InstantSource clock) {
        return new LoggingPolicy(
                masker, businessLevel, Duration.ofNanos(slowNanos), new BusinessLogLimit(lines, window, clock));
    }

    /** Masking with {@link SensitiveDataMasker#defaults()}, business failures at INFO, slow above 1 second. */
    public static LoggingPolicy defaults() {
        return create(SensitiveDataMasker.defaults(), Level.INFO, Duration.ofSeconds(1));
    }

    @Override
    public int order() {
        return LOGGING_ORDER;
    }

    @Override
    public void onSuccess(Execution execution) {
        Logger logger = logger(execution.context());
        boolean slow = execution.elapsedNanos() > slowNanos;
        Level level = slow ? Level.WARN : Level.DEBUG;
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        long suppressed = slow ? slowLimit.admitSlow(execution.context()) : 0;
        if (suppressed < 0) {
            return;
        }
        LoggingEventBuilder event = event(logger.atLevel(level), execution, null);
        if (suppressed > 0) {
            event = event.addKeyValue("suppressed", suppressed);
        }
        event.log(name(execution) + (slow ? " completed slowly in " : " completed in ")
                + execution.elapsedNanos() / 1_000_000 + " ms"
                + (suppressed > 0 ? " (" + suppressed + " similar suppressed)" : ""));
    }

    @Override
    public void onFailure(Execution execution) {
        Throwable error = execution.error();
        if (error == null) {
            return;
        }
        Logger logger = logger(execution.context());
        if (!logger.isInfoEnabled()) {
            return; // INFO is the lowest level used below: skip the bookkeeping when nothing would be written
        }
        Outcome outcome = execution.outcome();
        boolean propagating = outcome == Outcome.FAILURE || outcome == Outcome.TRANSLATED;
        if (propagating && execution.errorReportedByInnerTask()) {
            return;
        }
        ErrorCategory category = execution.category();
        SQLTransientConnectionException poolTimeout =
                propagating && category == ErrorCategory.INFRASTRUCTURE ? PoolTimeouts.find(error) : null;
        if (poolTimeout != null) {
            logPoolTimeout(logger, execution, error, poolTimeout);
            return;
        }
        boolean planned =
                propagating && category == ErrorCategory.INFRASTRUCTURE && PlannedUnavailability.foundIn(error);
        Level level = propagating
                ? (category == ErrorCategory.BUSINESS ? businessLevel : planned ? Level.WARN : Level.ERROR)
                : Level.WARN;
        boolean withStack = propagating
                ? category != ErrorCategory.BUSINESS && !planned
                : category == ErrorCategory.UNKNOWN && !execution.errorReportedByInnerTask(); // stack printed already
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        long suppressed = 0;
        if (propagating && category != ErrorCategory.UNKNOWN) {
            BusinessLogLimit limit = category == ErrorCategory.BUSINESS ? businessLimit : infrastructureLimit;
            suppressed = limit.admit(execution.context(), error);
            if (suppressed < 0) {
                return;
            }
        }
        LoggingEventBuilder event = event(logger.atLevel(level), execution, error);
        if (withStack) {
            // a structured encoder writes the attached failure's message (ECS error.message) and stack trace as they
            // are: when masking changes a message in its cause chain, a stand-in with the masked messages and the
            // original frames is attached (the line's exception key names the original class)
            event = event.setCause(MaskedFailure.of(error, masker));
        }
        if (suppressed > 0) {
            event = event.addKeyValue("suppressed", suppressed);
        }
        event.log(name(execution) + message(outcome) + ": " + error.getClass().getSimpleName() + ": "
                + masked(error.getMessage()) + (suppressed > 0 ? " (" + suppressed + " similar suppressed)" : ""));
    }

    /** One WARN line per window for all pool timeouts, without the stack trace: an overload, not a fault. */
    private void logPoolTimeout(
            Logger logger, Execution execution, Throwable error, SQLTransientConnectionException poolTimeout) {
        if (!logger.isWarnEnabled()) {
            return;
        }
        long suppressed = poolTimeoutLimit.admitAny();
        if (suppressed < 0) {
            return;
        }
        LoggingEventBuilder event = event(logger.atWarn(), execution, error);
        if (suppressed > 0) {
            event = event.addKeyValue("suppressed", suppressed);
        }
        event.log(name(execution) + " failed, the connection pool gave no connection in time (overload): "
                + error.getClass().getSimpleName() + ": "
                + poolTimeout.getClass().getSimpleName() + ": "
                + masked(poolTimeout.getMessage())
                + (suppressed > 0 ? " (" + suppressed + " pool timeouts suppressed since the last line)" : ""));
    }

    private LoggingEventBuilder event(LoggingEventBuilder builder, Execution execution, @Nullable Throwable error) {
        TaskContext context = execution.context();
        // Structured log encoders (Spring Boot's among them) refuse a key that is both in the MDC and a key-value,
        // so the task's names go in as key-values only when the MDC policy has not put them there already.
        LoggingEventBuilder event = builder;
        event = addUnlessInMdc(event, MdcPolicy.DOMAIN_KEY, context.domain());
        event = addUnlessInMdc(event, MdcPolicy.TASK_KEY, context.task());
        event = addUnlessInMdc(event, MdcPolicy.ID_KEY, masker.maskId(context.id()));
        event = event.addKeyValue("outcome", execution.outcome().tag())
                .addKeyValue("elapsedMs", execution.elapsedNanos() / 1_000_000);
        if (error != null) {
            event = event.addKeyValue("exception", error.getClass().getName());
        }
        return event;
    }

    private static LoggingEventBuilder addUnlessInMdc(LoggingEventBuilder event, String key, String value) {
        return MDC.get(key) == null ? event.addKeyValue(key, value) : event;
    }

    private String masked(@Nullable String message) {
        return message == null ? "" : masker.mask(message);
    }

    private static String message(Outcome outcome) {
        return switch (outcome) {
            case DEFAULT -> " failed, returned default";
            case RECOVERED -> " failed, recovered";
            case TRANSLATED -> " failed, translated";
            default -> " failed";
        };
    }

    private String name(Execution execution) {
        TaskContext context = execution.context();
        String id = context.id();
        return context.domain() + "." + context.task() + (id.isEmpty() ? "" : " [" + masker.maskId(id) + "]");
    }

    @SuppressWarnings("ReferenceEquality") // a one-entry cache by string identity: a miss only costs the map lookup
    private Logger logger(TaskContext context) {
        DomainLogger last = this.last; // one-entry cache by string identity in front of the map
        if (last != null && last.domain == context.domain()) {
            return last.logger;
        }
        Logger logger =
                loggers.computeIfAbsent(context.domain(), domain -> LoggerFactory.getLogger(LOGGER_PREFIX + domain));
        this.last = new DomainLogger(context.domain(), logger);
        return logger;
    }

    private record DomainLogger(String domain, Logger logger) {}
}
