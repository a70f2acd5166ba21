package dev.ballast.core.micrometer;

import dev.ballast.core.Execution;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;

/**
 * Wraps every execution in a Micrometer {@link Observation} named {@value #OBSERVATION_NAME}, so a tracer bridge turns
 * it into a span named {@code <domain>.<task>}: low-cardinality key-values {@code domain} and {@code task},
 * high-cardinality {@code id} (masked), the error on failure. The scope is open while the task runs, so spans the task
 * creates become children. Skipped entirely when the registry is a no-op. Thread-safe.
 */
public final class ObservationPolicy implements ExecutionPolicy {

    /** Name of the observation. */
    public static final String OBSERVATION_NAME = "ballast.execution";

    private final ObservationRegistry registry;
    private final SensitiveDataMasker masker;

    private ObservationPolicy(ObservationRegistry registry, SensitiveDataMasker masker) {
        this.registry = registry;
        this.masker = masker;
    }

    /** A policy observing into {@code registry}, masking ids with {@code masker}. */
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
                .highCardinalityKeyValue("id", masker.mask(context.id()))
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
            scoped.observation.error(error);
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
