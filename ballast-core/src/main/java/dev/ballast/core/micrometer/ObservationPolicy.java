package dev.ballast.core.micrometer;

import dev.ballast.core.Execution;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import dev.ballast.core.internal.MaskedFailure;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;

/**
 * Wraps every execution in a Micrometer {@link Observation} named {@value #OBSERVATION_NAME}, so a tracer bridge turns
 * it into a span named {@code <domain>.<task>}: low-cardinality key-values {@code domain}, {@code task}, {@code
 * outcome} and, on failure, {@code exception} (simple class name); high-cardinality {@code id} (through {@link
 * SensitiveDataMasker#maskId}); and the error on failure. When masking changes the error's message or a cause's, the
 * observation gets a stand-in with the masked messages, the original class name in its {@code toString()} and the
 * original stack trace, so span tags and recorded exception events carry no unmasked personal data; the caller still
 * gets the original. The scope is open while the task runs, so spans the task creates become children. Skipped
 * entirely when the registry is a no-op. Thread-safe.
 *
 * <p>This policy exists for tracing. An {@link ObservationRegistry} that also has a meter handler (Spring Boot registers
 * one) would time every task a second time as {@code ballast.execution} and {@code ballast.execution.active}; {@link
 * MetricsPolicy} already times it, so deny those meters with {@link #DENY_OBSERVATION_METERS} (the starter does).
 */
public final class ObservationPolicy implements ExecutionPolicy {

    /** Name of the observation. */
    public static final String OBSERVATION_NAME = "ballast.execution";

    /**
     * Denies the meters a meter observation handler would derive from this observation ({@code ballast.execution},
     * {@code ballast.execution.active} and event counters {@code ballast.execution.*}), which would duplicate {@link
     * MetricsPolicy#METRIC_NAME}. Add it to the {@code MeterRegistry} before any task runs.
     */
    public static final MeterFilter DENY_OBSERVATION_METERS = MeterFilter.deny(id -> {
        String name = id.getName();
        return name.equals(OBSERVATION_NAME) || name.startsWith(OBSERVATION_NAME + ".");
    });

    private final ObservationRegistry registry;
    private final SensitiveDataMasker masker;

    private ObservationPolicy(ObservationRegistry registry, SensitiveDataMasker masker) {
        this.registry = registry;
        this.masker = masker;
    }

    /** A policy observing into {@code registry}; ids go through {@code masker}'s maskId, error messages its mask. */
    public static ObservationPolicy create(ObservationRegistry registry, SensitiveDataMasker masker) {
        return new ObservationPolicy(
                Objects.requireNonNull(registry, "registry"), Objects.requireNonNull(masker, "masker"));
    }

    @Override
    public int order() {
        return OBSERVATION_ORDER;
    }

    @Override
    public void before(Execution execution) {
        if (registry.isNoop()) {
            return;
        }
        TaskContext context = execution.context();
        Observation observation = Observation.createNotStarted(OBSERVATION_NAME, registry)
                .contextualName(context.domain() + "." + context.task())
                .lowCardinalityKeyValue("domain", context.domain())
                .lowCardinalityKeyValue("task", context.task())
                .highCardinalityKeyValue("id", masker.maskId(context.id()))
                .start();
        execution.state(new Scoped(observation, observation.openScope()));
    }

    @Override
    public void onFailure(Execution execution) {
        Scoped scoped = (Scoped) execution.state();
        Throwable error = execution.error();
        if (scoped != null && error != null) {
            scoped.observation.lowCardinalityKeyValue(
                    "outcome", execution.outcome().tag());
            scoped.observation.lowCardinalityKeyValue(
                    "exception", error.getClass().getSimpleName());
            scoped.observation.error(MaskedFailure.of(error, masker));
        }
    }

    @Override
    public void onSuccess(Execution execution) {
        Scoped scoped = (Scoped) execution.state();
        if (scoped != null) {
            scoped.observation.lowCardinalityKeyValue(
                    "outcome", execution.outcome().tag());
        }
    }

    @Override
    public void after(Execution execution) {
        Scoped scoped = (Scoped) execution.state();
        if (scoped == null) {
            return;
        }
        try {
            scoped.scope.close();
        } finally {
            scoped.observation.stop();
        }
    }

    private record Scoped(Observation observation, Observation.Scope scope) {}
}
