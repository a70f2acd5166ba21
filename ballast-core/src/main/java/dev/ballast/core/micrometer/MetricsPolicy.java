package dev.ballast.core.micrometer;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.Execution;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.Outcome;
import dev.ballast.core.TaskContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records every execution in the timer {@value #METRIC_NAME} with tags {@code domain}, {@code task}, {@code outcome}
 * ({@code success|failure|default|recovered|translated}), {@code exception} (simple class name, {@code none} on
 * success) and {@code category} (the failure's {@link ErrorCategory}: {@code business|infrastructure|unknown}, {@code
 * none} on success), so that error-rate alerts can leave out business answers (validation, not found, a busy lock),
 * which a client can cause at will. The id is never a tag. Timers are cached, so the success path allocates nothing.
 * Thread-safe.
 */
public final class MetricsPolicy implements ExecutionPolicy {

    /** Name of the timer. */
    public static final String METRIC_NAME = "ballast.task";

    private static final int CATEGORIES = ErrorCategory.values().length;

    private final MeterRegistry registry;
    private final ConcurrentMap<String, ConcurrentMap<String, TaskTimers>> timers = new ConcurrentHashMap<>();

    /** The timers used last; compared by string identity, so a miss only costs the map lookups. */
    private volatile @Nullable TaskTimers last;

    private MetricsPolicy(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A policy recording into {@code registry}. */
    public static MetricsPolicy create(MeterRegistry registry) {
        return new MetricsPolicy(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public int order() {
        return METRICS_ORDER;
    }

    @Override
    public void onSuccess(Execution execution) {
        timers(execution.context()).success.record(execution.elapsedNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onFailure(Execution execution) {
        Throwable error = execution.error();
        Class<?> type = error == null ? Void.class : error.getClass();
        ErrorCategory category = execution.category();
        timers(execution.context())
                .failure(execution.outcome(), category == null ? ErrorCategory.UNKNOWN : category, type)
                .record(execution.elapsedNanos(), TimeUnit.NANOSECONDS);
    }

    @SuppressWarnings("ReferenceEquality") // a one-entry cache by string identity: a miss only costs the map lookup
    private TaskTimers timers(TaskContext context) {
        TaskTimers last = this.last; // most services run one task far more than others: skip both map lookups
        if (last != null && last.domain == context.domain() && last.task == context.task()) {
            return last;
        }
        TaskTimers found = lookup(context);
        this.last = found;
        return found;
    }

    private TaskTimers lookup(TaskContext context) {
        ConcurrentMap<String, TaskTimers> byTask = timers.get(context.domain());
        if (byTask == null) {
            byTask = timers.computeIfAbsent(context.domain(), domain -> new ConcurrentHashMap<>());
        }
        TaskTimers found = byTask.get(context.task());
        return found != null ? found : byTask.computeIfAbsent(context.task(), task -> new TaskTimers(context));
    }

    private final class TaskTimers {
        private final String domain;
        private final String task;
        private final Timer success;
        /**
         * Per outcome and category, timers by exception class: looked up without building a key (a class's category
         * can depend on the instance, e.g. an SQLException's SQLSTATE, so the category picks the map).
         */
        @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type can only be created raw
        private final ConcurrentMap<Class<?>, Timer>[] failures =
                new ConcurrentMap[Outcome.values().length * CATEGORIES];

        TaskTimers(TaskContext context) {
            this.domain = context.domain();
            this.task = context.task();
            this.success = timer(Outcome.SUCCESS, "none", "none");
            for (int i = 0; i < failures.length; i++) {
                failures[i] = new ConcurrentHashMap<>();
            }
        }

        Timer failure(Outcome outcome, ErrorCategory category, Class<?> type) {
            ConcurrentMap<Class<?>, Timer> byType = failures[outcome.ordinal() * CATEGORIES + category.ordinal()];
            Timer found = byType.get(type);
            if (found != null) {
                return found;
            }
            String exception = type == Void.class ? "none" : type.getSimpleName();
            return byType.computeIfAbsent(
                    type, t -> timer(outcome, exception, category.name().toLowerCase(Locale.ROOT)));
        }

        private Timer timer(Outcome outcome, String exception, String category) {
            return Timer.builder(METRIC_NAME)
                    .description("Executions of LogicExecutor tasks")
                    .tag("domain", domain)
                    .tag("task", task)
                    .tag("outcome", outcome.tag())
                    .tag("exception", exception)
                    .tag("category", category)
                    .register(registry);
        }
    }
}
