package dev.ballast.core;

import static dev.ballast.core.Fixtures.ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.Fixtures.Recording;
import dev.ballast.core.policy.MdcPolicy;
import dev.ballast.test.LogCapture;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

class ExecutionPipelineTest {

    /** The pipeline's warnings about broken policies, kept off the console (they are provoked on purpose here). */
    @RegisterExtension
    final LogCapture logs = LogCapture.of(ExecutionPipeline.class);

    private final List<String> journal = Recording.journal();

    @AfterEach
    void cleanThread() {
        MDC.clear();
        TaskFrame.get().task = null; // a failing test must not leak its context into the next one
    }

    @Test
    void beforeRunsInAscendingOrderAndTheRestInDescendingOrderLikeNestedScopes() {
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(new Recording(journal, "inner", 10))
                .add(new Recording(journal, "outer", -10))
                .build());

        executor.execute(ORDER, () -> "ok");

        assertThat(journal)
                .containsExactly(
                        "outer.before", "inner.before", "inner.success", "inner.after", "outer.success", "outer.after");
    }

    @Test
    void anExplicitOrderOverridesThePolicysOwn() {
        ExecutionPipeline pipeline = ExecutionPipeline.builder()
                .add(new Recording(journal, "a", 0))
                .add(new Recording(journal, "b", 0), -1)
                .build();

        assertThat(pipeline.policies()).extracting(p -> ((Recording) p).name).containsExactly("b", "a");
    }

    @Test
    void aThrowingPolicyIsSkippedAndNeverBreaksTheBusinessCall() {
        ExecutionPolicy broken = new ExecutionPolicy() {
            @Override
            public void onSuccess(Execution execution) {
                throw new IllegalStateException("metrics backend exploded");
            }

            @Override
            public void after(Execution execution) {
                throw new IllegalStateException("and again");
            }
        };
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(broken)
                .add(new Recording(journal, "good", 200))
                .build());

        assertThat(executor.execute(ORDER, () -> "result")).isEqualTo("result");
        assertThat(journal).containsExactly("good.before", "good.success", "good.after");
        assertThat(logs.events())
                .extracting(e -> e.getFormattedMessage())
                .anySatisfy(m -> assertThat(m).contains("failed in onSuccess for task Order.Place"))
                .anySatisfy(m -> assertThat(m).contains("failed in after for task Order.Place"));
    }

    @Test
    void aPolicyWhoseBeforeFailedGetsNoFurtherHooks() {
        Recording recording = new Recording(journal, "r", 0) {
            @Override
            public void before(Execution execution) {
                journal.add("r.before");
                throw new IllegalStateException("cannot start");
            }
        };
        LogicExecutor executor =
                LogicExecutor.create(ExecutionPipeline.builder().add(recording).build());

        executor.execute(ORDER, () -> "ok");

        assertThat(journal).containsExactly("r.before");
    }

    @Test
    void anErrorFromAPolicysBeforeLeavesNoMdcOrTaskContextAndClosesEveryStartedPolicy() {
        StackOverflowError overflow = new StackOverflowError("in before");
        AtomicInteger taskRuns = new AtomicInteger();
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(MdcPolicy.create(SensitiveDataMasker.none()))
                .add(new Recording(journal, "outer", -10))
                .add(throwingIn("before", overflow, journal), 0)
                .add(new Recording(journal, "inner", 10))
                .build());

        assertThatThrownBy(() -> executor.execute(ORDER, taskRuns::incrementAndGet))
                .isSameAs(overflow);

        assertThat(taskRuns).hasValue(0);
        assertThat(journal)
                .containsExactly("outer.before", "thrower.before", "outer.failure:failure:UNKNOWN", "outer.after");
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
        assertThat(TaskContext.current()).isEmpty();
    }

    @Test
    void anErrorFromAPolicysAfterStillRunsEveryOtherAfterOnceAndLeavesNothingBehind() {
        OutOfMemoryError oom = new OutOfMemoryError("in after");
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(MdcPolicy.create(SensitiveDataMasker.none()))
                .add(new Recording(journal, "outer", -10))
                .add(throwingIn("after", oom, journal), 0)
                .add(new Recording(journal, "inner", 10))
                .build());

        assertThatThrownBy(() -> executor.execute(ORDER, () -> "ok")).isSameAs(oom);

        assertThat(journal)
                .containsExactly(
                        "outer.before",
                        "thrower.before",
                        "inner.before",
                        "inner.success",
                        "inner.after",
                        "thrower.onSuccess",
                        "thrower.after",
                        "outer.success",
                        "outer.after");
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
        assertThat(TaskContext.current()).isEmpty();
    }

    @Test
    void anErrorFromAPolicysOnFailureStillRunsItsAfterAndKeepsTheTasksFailureAsSuppressed() {
        AssertionError policyError = new AssertionError("in onFailure");
        IllegalStateException taskFailure = new IllegalStateException("task");
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(MdcPolicy.create(SensitiveDataMasker.none()))
                .add(throwingIn("onFailure", policyError, journal), 0)
                .build());

        assertThatThrownBy(() -> executor.execute(ORDER, () -> {
                    throw taskFailure;
                }))
                .isSameAs(policyError)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(taskFailure));

        assertThat(journal).containsExactly("thrower.before", "thrower.onFailure", "thrower.after");
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
        assertThat(TaskContext.current()).isEmpty();
    }

    @Test
    void anMdcPolicyWhoseMaskerFailsHalfwayLeavesNoMdcKeysBehind() {
        SensitiveDataMasker exploding = new SensitiveDataMasker() {
            @Override
            public String mask(String text) {
                return text;
            }

            @Override
            public String maskId(String id) {
                throw new StackOverflowError("masker");
            }
        };
        LogicExecutor executor = LogicExecutor.create(
                ExecutionPipeline.builder().add(MdcPolicy.create(exploding)).build());

        assertThatThrownBy(() -> executor.execute(ORDER, () -> "ok")).isInstanceOf(StackOverflowError.class);

        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
        assertThat(TaskContext.current()).isEmpty();
    }

    @Test
    void aCheckedExceptionSneakedOutOfAPolicyIsSkippedLikeARuntimeException() {
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(throwingIn("before", new java.io.IOException("sneaky"), journal), 0)
                .add(new Recording(journal, "inner", 10))
                .build());

        assertThat(executor.execute(ORDER, () -> "ok")).isEqualTo("ok");
        assertThat(journal).containsExactly("thrower.before", "inner.before", "inner.success", "inner.after");
    }

    @Test
    void eachPolicyKeepsItsOwnPerCallState() {
        ExecutionPolicy first = stateEcho("first", journal);
        ExecutionPolicy second = stateEcho("second", journal);
        LogicExecutor executor = LogicExecutor.create(
                ExecutionPipeline.builder().add(first, 1).add(second, 2).build());

        executor.execute(ORDER, () -> "ok");

        assertThat(journal).containsExactly("second", "first");
    }

    @Test
    void anEmptyPipelineAllocatesNothingPerCall() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        LogicExecutor executor =
                LogicExecutor.create(ExecutionPipeline.builder().build());
        CheckedSupplier<String> task = () -> "ok";
        for (int i = 0; i < 20_000; i++) {
            executor.execute(ORDER, task);
        }
        long thread = Thread.currentThread().threadId();

        long before = threads.getThreadAllocatedBytes(thread);
        int wrong = 0;
        for (int i = 0; i < 10_000; i++) {
            if (executor.execute(ORDER, task) != "ok") {
                wrong++;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(wrong).isZero();
        assertThat(allocated).as("bytes for 10,000 calls").isLessThan(10_000);
    }

    @Test
    void rejectsMoreThanTheMaximumNumberOfPolicies() {
        ExecutionPipeline.Builder builder = ExecutionPipeline.builder();
        for (int i = 0; i < ExecutionPipeline.MAX_POLICIES; i++) {
            builder.add(new ExecutionPolicy() {});
        }

        assertThatThrownBy(() -> builder.add(new ExecutionPolicy() {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 64");
    }

    /** A policy that journals its hooks and throws {@code failure} from the one named {@code hook}. */
    private static ExecutionPolicy throwingIn(String hook, Throwable failure, List<String> journal) {
        return new ExecutionPolicy() {
            @Override
            public void before(Execution execution) {
                hook("before");
            }

            @Override
            public void onSuccess(Execution execution) {
                hook("onSuccess");
            }

            @Override
            public void onFailure(Execution execution) {
                hook("onFailure");
            }

            @Override
            public void after(Execution execution) {
                hook("after");
            }

            private void hook(String name) {
                journal.add("thrower." + name);
                if (name.equals(hook)) {
                    throw Fixtures.sneakyThrow(failure);
                }
            }
        };
    }

    private static ExecutionPolicy stateEcho(String name, List<String> journal) {
        return new ExecutionPolicy() {
            @Override
            public void before(Execution execution) {
                execution.state(name);
            }

            @Override
            public void after(Execution execution) {
                journal.add((String) execution.state());
            }
        };
    }
}
