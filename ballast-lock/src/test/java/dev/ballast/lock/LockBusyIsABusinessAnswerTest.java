package dev.ballast.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import dev.ballast.test.LogCapture;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A lock not acquired in time is an expected answer: classified business, one INFO line, no stack trace. */
class LockBusyIsABusinessAnswerTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("ballast");

    @Test
    void theDefaultClassifierCallsALockTimeoutABusinessOutcome() {
        assertThat(ExceptionClassifier.defaults().classify(new LockAcquisitionException("account:A-1", Duration.ZERO)))
                .isEqualTo(ErrorCategory.BUSINESS);
    }

    @Test
    void aFailingBackendIsInfrastructureEvenWhenItsCauseCarriesNoSqlState() {
        // found by the chaos suite: a pool's evicted connection fails with a bare "Connection is closed"
        assertThat(ExceptionClassifier.defaults()
                        .classify(new LockBackendException(
                                "jdbc", "acquire", "account:A-1", new java.sql.SQLException("Connection is closed"))))
                .isEqualTo(ErrorCategory.INFRASTRUCTURE);
    }

    @Test
    void aLeaseLostUnderTheGuardedCodeIsInfrastructureSoTheClientGetsARetryable503() {
        // found by chaos scenario (8): an instance cut off from Redis lost a deposit's lease, answered 500
        assertThat(ExceptionClassifier.defaults().classify(new LockLostException("account:A-3", 42)))
                .isEqualTo(ErrorCategory.INFRASTRUCTURE);
    }

    @Test
    void aRefusedCallerThroughTheExecutorWritesOneInfoLineWithoutAStackTrace() {
        LogicExecutor executor = LogicExecutor.create(
                ExecutionPipeline.builder().add(LoggingPolicy.defaults()).build());
        try (LockStrategy locks = LocalLockStrategies.create(
                        LockMetrics.create(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
                        AlertSink.logging());
                LockHandle held = locks.tryAcquire("account:A-1", Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(held).isNotNull();

            assertThatThrownBy(() -> executor.execute(
                            new TaskContext("Account", "Deposit", "A-1"),
                            () -> locks.executeWithLock(
                                    "account:A-1", Duration.ofMillis(20), Duration.ofSeconds(5), () -> 1)))
                    .isInstanceOf(LockAcquisitionException.class);
        }

        assertThat(logs.eventsAtLeast(Level.INFO)).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getThrowableProxy()).isNull();
            assertThat(event.getFormattedMessage()).contains("LockAcquisitionException");
        });
    }
}
