package dev.ballast.core.micrometer;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.io.IOException;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class ObservationPolicyTest {

    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
            .add(ObservationPolicy.create(registry, SensitiveDataMasker.defaults()))
            .build());

    @Test
    void eachExecutionIsAnObservationWithDomainTaskAndTheIdUnchanged() {
        executor.execute(new TaskContext("Order", "Read", "01a22a46-b123-4567-8901-234567890123"), () -> "ok");

        assertThat(registry)
                .hasSingleObservationThat()
                .hasNameEqualTo("ballast.execution")
                .hasContextualNameEqualTo("Order.Read")
                .hasLowCardinalityKeyValue("domain", "Order")
                .hasLowCardinalityKeyValue("task", "Read")
                .hasLowCardinalityKeyValue("outcome", "success")
                .hasHighCardinalityKeyValue("id", "01a22a46-b123-4567-8901-234567890123")
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

    @Test
    void exceptionMessagesReachingTheSpanAreMaskedAndKeepTheirTypeAndStack() {
        SimpleTracer tracer = new SimpleTracer();
        ObservationRegistry tracing = ObservationRegistry.create();
        tracing.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
        LogicExecutor traced = LogicExecutor.create(ExecutionPipeline.builder()
                .add(ObservationPolicy.create(tracing, SensitiveDataMasker.defaults()))
                .build());
        IOException cause = new IOException("card 4111-1111-1111-1111 refused by issuer");
        IllegalStateException failure = new IllegalStateException("payment for john.doe@example.com failed", cause);

        assertThatThrownBy(() -> traced.execute(TaskContext.of("Payment", "Charge"), () -> {
                    throw failure;
                }))
                .isSameAs(failure)
                .hasMessage("payment for john.doe@example.com failed"); // the caller gets the original

        SimpleSpan span = tracer.onlySpan();
        Assertions.assertThat(span.getName()).isEqualTo("Payment.Charge");
        Assertions.assertThat(span.getTags()).containsEntry("exception", "IllegalStateException");
        Throwable recorded = span.getError();
        Assertions.assertThat(recorded.getMessage()).isEqualTo("payment for j*******@example.com failed");
        Assertions.assertThat(recorded.toString())
                .isEqualTo("java.lang.IllegalStateException: payment for j*******@example.com failed");
        Assertions.assertThat(recorded.getStackTrace()).isEqualTo(failure.getStackTrace());
        Assertions.assertThat(recorded.getCause())
                .hasToString("java.io.IOException: card ****-****-****-1111 refused by issuer");
    }

    @Test
    void anExceptionWithNothingToMaskReachesTheSpanItself() {
        SimpleTracer tracer = new SimpleTracer();
        ObservationRegistry tracing = ObservationRegistry.create();
        tracing.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
        LogicExecutor traced = LogicExecutor.create(ExecutionPipeline.builder()
                .add(ObservationPolicy.create(tracing, SensitiveDataMasker.defaults()))
                .build());
        IllegalStateException failure = new IllegalStateException("ledger unavailable");

        assertThatThrownBy(() -> traced.execute(TaskContext.of("Ledger", "Read"), () -> {
                    throw failure;
                }))
                .isSameAs(failure);

        Assertions.assertThat(tracer.onlySpan().getError()).isSameAs(failure);
    }
}
