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
    // Which policies implement each hook, one bit per policy: a hook left to the interface's empty default is not
    // called, so every call skips those interface calls, and a hook's call site sees only the few policy classes that
    // implement it (the MDC policy alone for before and after in the default pipeline), which the JIT inlines.
    private final long beforeHooks;
    private final long successHooks;
    private final long failureHooks;
    private final long afterHooks;

    private ExecutionPipeline(List<Entry> entries, ExceptionClassifier classifier) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingInt(Entry::order)); // stable: equal orders keep registration order
        this.policies = sorted.stream().map(Entry::policy).toArray(ExecutionPolicy[]::new);
        this.classifier = classifier;
        this.beforeHooks = implementing("before");
        this.successHooks = implementing("onSuccess");
        this.failureHooks = implementing("onFailure");
        this.afterHooks = implementing("after");
    }

    /** One bit per policy whose class implements {@code hook} itself rather than inheriting the empty default. */
    private long implementing(String hook) {
        long mask = 0;
        for (int i = 0; i < policies.length; i++) {
            if (implementsHook(policies[i], hook)) {
                mask |= 1L << i;
            }
        }
        return mask;
    }

    private static boolean implementsHook(ExecutionPolicy policy, String hook) {
        try {
            return policy.getClass().getMethod(hook, Execution.class).getDeclaringClass() != ExecutionPolicy.class;
        } catch (NoSuchMethodException | RuntimeException e) {
            return true; // cannot tell: call it
        }
    }

    private static boolean has(long hooks, int policyIndex) {
        return (hooks & (1L << policyIndex)) != 0;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** True when there are no policies: a call then creates no {@link Execution}. */
    boolean isEmpty() {
        return policies.length == 0;
    }

    /** The policies in the order their {@code before} hooks run. */
    public List<ExecutionPolicy> policies() {
        return List.of(policies);
    }

    /**
     * Runs every {@code before} hook; null when there are no policies. A hook that throws an exception is logged and
     * skipped. A hook that throws an {@link Error} ends the execution there: the policies already started get {@code
     * onFailure} (with that error) and {@code after}, exactly as if the task had failed, then the error propagates.
     */
    @Nullable
    Execution start(TaskContext context, TaskFrame frame) {
        if (policies.length == 0) {
            return null;
        }
        Execution execution = frame.enter(context, classifier, policies.length);
        execution.startedAll(~beforeHooks & (-1L >>> (64 - policies.length))); // an empty before cannot fail
        for (int i = 0; i < policies.length; i++) {
            if (!has(beforeHooks, i)) {
                continue;
            }
            execution.select(i);
            try {
                policies[i].before(execution);
                execution.started(i);
            } catch (Error error) {
                execution.startedOnlyBelow(i);
                execution.failed(Outcome.FAILURE, error);
                finishAfter(execution, error);
                throw error;
            } catch (Throwable e) {
                policyFailed(policies[i], "before", context, e);
            }
        }
        return execution;
    }

    /**
     * Runs {@code onSuccess}/{@code onFailure} then {@code after} of each started policy, innermost first, and hands
     * the thread back to the enclosing execution. Every started policy gets its hooks even when one throws: an
     * exception is logged and skipped; the first {@link Error} is rethrown once every hook has run, with later errors
     * and the task's own failure added to it as suppressed. When the task itself failed with an {@code Error}, that
     * one propagates (the executor is throwing it) and the policy's is suppressed on it.
     */
    void finish(Execution execution) {
        Error policyError;
        Throwable taskFailure;
        try {
            policyError = closeAll(execution);
            taskFailure = execution.error();
        } finally {
            execution.release();
        }
        if (policyError == null) {
            return;
        }
        if (taskFailure instanceof Error taskError) {
            suppress(taskError, policyError);
            return;
        }
        suppress(policyError, taskFailure);
        throw policyError;
    }

    /** {@link #finish} after {@code before} threw {@code error}; an error from another hook is suppressed on it. */
    private void finishAfter(Execution execution, Error error) {
        Error later;
        try {
            later = closeAll(execution);
        } finally {
            execution.release();
        }
        if (later != null) {
            suppress(error, later);
        }
    }

    /** Closes every started policy, innermost first; the first error a hook threw, or null. */
    private @Nullable Error closeAll(Execution execution) {
        Error firstError = null;
        try {
            for (int i = policies.length - 1; i >= 0; i--) {
                if (execution.wasStarted(i)) {
                    firstError = closePolicy(execution, i, firstError);
                }
            }
            execution.reportToParent();
        } finally {
            execution.exit();
        }
        return firstError;
    }

    private @Nullable Error closePolicy(Execution execution, int index, @Nullable Error firstError) {
        execution.select(index);
        ExecutionPolicy policy = policies[index];
        boolean failed = execution.error() != null;
        Error error = firstError;
        try {
            if (failed) {
                if (has(failureHooks, index)) {
                    policy.onFailure(execution);
                }
            } else if (has(successHooks, index)) {
                policy.onSuccess(execution);
            }
        } catch (Throwable e) {
            error = handle(e, error, policy, failed ? "onFailure" : "onSuccess", execution.context());
        }
        if (has(afterHooks, index)) {
            try {
                policy.after(execution);
            } catch (Throwable e) {
                error = handle(e, error, policy, "after", execution.context());
            }
        }
        return error;
    }

    /** Logs and skips an exception; keeps the first error to rethrow, suppressing later ones on it. */
    private static @Nullable Error handle(
            Throwable thrown, @Nullable Error firstError, ExecutionPolicy policy, String hook, TaskContext context) {
        if (!(thrown instanceof Error error)) {
            policyFailed(policy, hook, context, thrown);
            return firstError;
        }
        if (firstError == null) {
            return error;
        }
        suppress(firstError, error);
        return firstError;
    }

    private static void suppress(Throwable kept, @Nullable Throwable other) {
        if (other != null && other != kept) {
            kept.addSuppressed(other);
        }
    }

    private static void policyFailed(ExecutionPolicy policy, String hook, TaskContext context, Throwable e) {
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
