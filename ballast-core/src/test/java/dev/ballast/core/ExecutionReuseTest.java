package dev.ballast.core;

import static dev.ballast.core.Fixtures.ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The executor reuses a finished {@link Execution} for the next call on the same thread (a call allocates none); these
 * tests prove that a reused one starts as a new one would, and that one handed to another thread is never reused.
 */
class ExecutionReuseTest {

    /** What a policy's before hook saw, and the execution object itself. */
    record Seen(
            Execution execution,
            @Nullable Object state,
            Outcome outcome,
            @Nullable Throwable error,
            long elapsed) {}

    /** Stores state in before and reads it back in after, as a policy with per-call state does. */
    static final class Observing implements ExecutionPolicy {
        final List<Seen> seen = new ArrayList<>();

        @Override
        public void before(Execution execution) {
            seen.add(new Seen(
                    execution, execution.state(), execution.outcome(), execution.error(), execution.elapsedNanos()));
            execution.state("set in before");
        }
    }

    @Test
    void aCallAfterAFailedOneGetsTheSameExecutionBackAsNewWithNoStateOutcomeOrError() {
        Observing observing = new Observing();
        LogicExecutor executor =
                LogicExecutor.create(ExecutionPipeline.builder().add(observing).build());

        assertThatThrownBy(() -> executor.execute(ORDER, () -> {
                    throw new IllegalStateException("first call fails");
                }))
                .isInstanceOf(IllegalStateException.class);
        String second = executor.execute(new TaskContext("Stock", "Reserve", "S-9"), () -> "ok");

        assertThat(second).isEqualTo("ok");
        Seen first = observing.seen.get(0);
        Seen next = observing.seen.get(1);
        assertThat(next.execution()).isSameAs(first.execution()); // reused: the call allocated no Execution
        assertThat(next.execution().context()).isEqualTo(new TaskContext("Stock", "Reserve", "S-9"));
        assertThat(next.state()).isNull();
        assertThat(next.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(next.error()).isNull();
        assertThat(next.elapsed()).isEqualTo(-1);
    }

    @Test
    void aNestedCallGetsAnExecutionOfItsOwnWhileTheOuterOneRuns() {
        Observing observing = new Observing();
        LogicExecutor executor =
                LogicExecutor.create(ExecutionPipeline.builder().add(observing).build());
        executor.execute(ORDER, () -> "warms the thread's spare");

        executor.execute(ORDER, () -> executor.execute(new TaskContext("Stock", "Reserve", "S-9"), () -> "inner"));

        Seen outer = observing.seen.get(1);
        Seen inner = observing.seen.get(2);
        assertThat(inner.execution()).isNotSameAs(outer.execution());
        assertThat(inner.state()).isNull();
        assertThat(outer.execution().context()).isEqualTo(ORDER);
    }

    @Test
    void anExecutionHandedToAnotherThreadIsNeverReusedAndStillCollectsWhatItsNestedTasksReported() throws Exception {
        Observing observing = new Observing();
        LogicExecutor executor =
                LogicExecutor.create(ExecutionPipeline.builder().add(observing).build());
        IllegalStateException innerFailure = new IllegalStateException("inner task fails on the worker");
        Runnable nested = () -> executor.executeVoid(TaskContext.of("Stock", "Reserve"), () -> {
            throw innerFailure;
        });
        Runnable handedOver = executor.execute(ORDER, () -> ContextPropagation.wrap(nested));
        Execution submitter = observing.seen.get(0).execution();

        executor.execute(new TaskContext("Invoice", "Send", "I-7"), () -> "a later call on the same thread");
        try (ExecutorService worker = Executors.newSingleThreadExecutor()) {
            worker.submit(() -> {
                        try {
                            handedOver.run();
                        } catch (IllegalStateException expected) {
                            // the nested task's failure reaches the worker
                        }
                    })
                    .get(5, TimeUnit.SECONDS);
        }

        assertThat(observing.seen.get(1).execution()).isNotSameAs(submitter);
        // the submitter's execution kept its task, and the worker's nested task reported its failure into it
        assertThat(submitter.context()).isEqualTo(ORDER);
        submitter.failed(Outcome.FAILURE, innerFailure);
        assertThat(submitter.errorReportedByInnerTask()).isTrue();
    }

    @Test
    void aTaskHandedOverAndRunOnTheSameThreadLeavesEachCallersTaskCurrentAfterItAndNoneAtTheEnd() {
        LogicExecutor executor = LogicExecutor.create(
                ExecutionPipeline.builder().add(new Observing()).build());
        TaskContext stock = Fixtures.STOCK;
        TaskContext invoice = Fixtures.INVOICE;
        List<String> seen = new ArrayList<>();
        Runnable record = Fixtures.recordingCurrentTask(seen);

        executor.executeVoid(ORDER, () -> {
            // captures the thread's reused execution (ORDER's): it is shared from now on, never reused again
            Runnable handedOver = ContextPropagation.wrap(() -> executor.executeVoid(stock, record::run));
            executor.executeVoid(invoice, () -> {
                handedOver.run(); // run here, as a caller-runs pool would
                record.run();
            });
            record.run();
        });
        record.run();
        executor.executeVoid(invoice, record::run); // the thread no longer has its first spare
        record.run();

        assertThat(seen)
                .containsExactly(
                        stock.toString(), invoice.toString(), ORDER.toString(), "none", invoice.toString(), "none");
    }

    @Test
    void aBeforeHookThatThrowsAnErrorClosesOnlyThePoliciesBeforeItEvenThoseWithoutABeforeHook() {
        List<String> journal = new ArrayList<>();
        ExecutionPolicy outerWithoutBefore = new ExecutionPolicy() {
            @Override
            public int order() {
                return 1;
            }

            @Override
            public void onFailure(Execution execution) {
                journal.add("outer.failure");
            }

            @Override
            public void after(Execution execution) {
                journal.add("outer.after");
            }
        };
        ExecutionPolicy failing = new ExecutionPolicy() {
            @Override
            public int order() {
                return 2;
            }

            @Override
            public void before(Execution execution) {
                throw new AssertionError("before fails with an Error");
            }
        };
        ExecutionPolicy innerWithoutBefore = new ExecutionPolicy() {
            @Override
            public int order() {
                return 3;
            }

            @Override
            public void after(Execution execution) {
                journal.add("inner.after");
            }
        };
        LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
                .add(innerWithoutBefore)
                .add(failing)
                .add(outerWithoutBefore)
                .build());

        assertThatThrownBy(() -> executor.execute(ORDER, () -> "never runs"))
                .isInstanceOf(AssertionError.class)
                .hasMessage("before fails with an Error");

        assertThat(journal).containsExactly("outer.failure", "outer.after");
    }
}
