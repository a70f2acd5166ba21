package dev.ballast.core;

import static dev.ballast.core.Fixtures.ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.Fixtures.Recording;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecutionPipelineTest {

    private final List<String> journal = Recording.journal();

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
    void eachPolicyKeepsItsOwnPerCallState() {
        ExecutionPolicy first = stateEcho("first", journal);
        ExecutionPolicy second = stateEcho("second", journal);
        LogicExecutor executor = LogicExecutor.create(
                ExecutionPipeline.builder().add(first, 1).add(second, 2).build());

        executor.execute(ORDER, () -> "ok");

        assertThat(journal).containsExactly("second", "first");
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
