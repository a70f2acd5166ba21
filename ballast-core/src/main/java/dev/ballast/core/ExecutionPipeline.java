package dev.ballast.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered list of {@link ExecutionPolicy policies} a {@link LogicExecutor} runs around each task. Immutable and
 * thread-safe. An empty pipeline costs nothing per call: no {@link Execution} is created and nothing is allocated.
 */
public final class ExecutionPipeline {

    /** Most policies one pipeline holds. */
    public static final int MAX_POLICIES = 64;

    private static final Logger log = LoggerFactory.getLogger(ExecutionPipeline.class);

    private final ExecutionPolicy[] policies;
    private final ExceptionClassifier classifier;

    private ExecutionPipeline(List<Entry> entries, ExceptionClassifier classifier) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingInt(Entry::order)); // stable: equal orders keep registration order
        this.policies = sorted.stream().map(Entry::policy).toArray(ExecutionPolicy[]::new);
        this.classifier = classifier;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The policies in the order their {@code before} hooks run. */
    public List<ExecutionPolicy> policies() {
        return List.of(policies);
    }

    /** Runs every {@code before} hook; null when there are no policies. */
    @Nullable
    Execution start(TaskContext context) {
        if (policies.length == 0) {
            return null;
        }
        Execution execution = new Execution(context, classifier, policies.length);
        for (int i = 0; i < policies.length; i++) {
            execution.select(i);
            try {
                policies[i].before(execution);
                execution.started(i);
            } catch (RuntimeException e) {
                policyFailed(policies[i], "before", context, e);
            }
        }
        return execution;
    }

    /** Runs {@code onSuccess}/{@code onFailure} then {@code after} of each started policy, innermost first. */
    void finish(Execution execution) {
        boolean failed = execution.error() != null;
        for (int i = policies.length - 1; i >= 0; i--) {
            if (!execution.wasStarted(i)) {
                continue;
            }
            execution.select(i);
            ExecutionPolicy policy = policies[i];
            try {
                if (failed) {
                    policy.onFailure(execution);
                } else {
                    policy.onSuccess(execution);
                }
            } catch (RuntimeException e) {
                policyFailed(policy, failed ? "onFailure" : "onSuccess", execution.context(), e);
            }
            try {
                policy.after(execution);
            } catch (RuntimeException e) {
                policyFailed(policy, "after", execution.context(), e);
            }
        }
        execution.markErrorReportedIfPropagating();
    }

    private static void policyFailed(ExecutionPolicy policy, String hook, TaskContext context, RuntimeException e) {
        log.warn(
                "Execution policy {} failed in {} for task {}.{}; policy skipped, task unaffected",
                policy.getClass().getName(),
                hook,
                context.domain(),
                context.task(),
                e);
    }

    private record Entry(ExecutionPolicy policy, int order) {}

    /** Collects policies; not thread-safe. */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();
        private ExceptionClassifier classifier = ExceptionClassifier.defaults();

        private Builder() {}

        /** Adds a policy at its own {@link ExecutionPolicy#order()}. */
        public Builder add(ExecutionPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            return add(policy, policy.order());
        }

        /** Adds a policy at an explicit order, overriding {@link ExecutionPolicy#order()} (e.g. Spring's {@code @Order}). */
        public Builder add(ExecutionPolicy policy, int order) {
            Objects.requireNonNull(policy, "policy");
            if (entries.size() == MAX_POLICIES) {
                throw new IllegalArgumentException("A pipeline holds at most " + MAX_POLICIES + " policies");
            }
            entries.add(new Entry(policy, order));
            return this;
        }

        /** The classifier for {@link Execution#category()}; {@link ExceptionClassifier#defaults()} unless set. */
        public Builder classifier(ExceptionClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /** An immutable pipeline. */
        public ExecutionPipeline build() {
            return new ExecutionPipeline(entries, classifier);
        }
    }
}
