package dev.ballast.core.micrometer;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

class ObservationPolicyTest {

    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
            .add(ObservationPolicy.create(registry, SensitiveDataMasker.defaults()))
            .build());

    @Test
    void eachExecutionIsAnObservationWithDomainTaskAndMaskedId() {
        executor.execute(new TaskContext("Account", "Read", "1102345678901"), () -> "ok");

        assertThat(registry)
                .hasSingleObservationThat()
                .hasNameEqualTo("ballast.execution")
                .hasContextualNameEqualTo("Account.Read")
                .hasLowCardinalityKeyValue("domain", "Account")
                .hasLowCardinalityKeyValue("task", "Read")
                .hasLowCardinalityKeyValue("outcome", "success")
                .hasHighCardinalityKeyValue("id", "*********8901")
                .hasBeenStarted()
                .hasBeenStopped();
    }

    @Test
    void aFailureIsRecordedAsTheObservationsError() {
        assertThatThrownBy(() -> executor.execute(TaskContext.of("Account", "Read"), () -> {
                    throw new IllegalStateException("boom");
                }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(registry)
                .hasSingleObservationThat()
                .hasError()
                .hasLowCardinalityKeyValue("outcome", "failure")
                .hasBeenStopped();
    }
}
