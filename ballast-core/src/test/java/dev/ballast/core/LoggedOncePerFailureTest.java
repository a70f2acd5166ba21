package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.core.policy.MdcPolicy;
import dev.ballast.test.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

/**
 * "Logged once" is tracked per failure, by identity, within one call chain: a failure travelling out through nested
 * executors is logged by the innermost one only, while independent calls each log their own failure, even when they
 * throw the same instance or exceptions that are {@code equals}.
 */
class LoggedOncePerFailureTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("ballast");

    private final LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
            .add(MdcPolicy.create(SensitiveDataMasker.defaults()))
            .add(LoggingPolicy.create(
                    SensitiveDataMasker.defaults(), org.slf4j.event.Level.INFO, Duration.ofSeconds(5)))
            .build());

    @AfterEach
    void cleanThread() {
        MDC.clear();
    }

    @Test
    void theSameExceptionInstanceThrownByThreeIndependentCallsIsLoggedThreeTimes() {
        IllegalStateException shared = new IllegalStateException("static failure");

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> executor.execute(Fixtures.ORDER, () -> {
                        throw shared;
                    }))
                    .isSameAs(shared);
        }

        assertThat(errors()).hasSize(3);
    }

    @Test
    void threeDistinctExceptionsThatAreEqualAreLoggedThreeTimes() {
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> executor.execute(Fixtures.ORDER, () -> {
                        throw new EqualByMessage("ledger down");
                    }))
                    .isInstanceOf(EqualByMessage.class);
        }

        assertThat(errors()).hasSize(3);
    }

    @Test
    void independentCallsInsideOneOuterTaskEachLogTheSharedInstanceAndTheOuterRethrowDoesNot() {
        IllegalStateException shared = new IllegalStateException("static failure");

        assertThatThrownBy(() -> executor.executeVoid(new TaskContext("Batch", "Run", "b-1"), () -> {
                    for (int i = 0; i < 3; i++) {
                        try {
                            executor.executeVoid(new TaskContext("Item", "Process", "i-" + i), () -> {
                                throw shared;
                            });
                        } catch (IllegalStateException expected) {
                            // the batch goes on with the next item
                        }
                    }
                    executor.executeVoid(new TaskContext("Item", "Process", "last"), () -> {
                        throw shared;
                    });
                }))
                .isSameAs(shared);

        assertThat(errors())
                .extracting(ILoggingEvent::getLoggerName)
                .containsExactly("ballast.task.Item", "ballast.task.Item", "ballast.task.Item", "ballast.task.Item");
    }

    @Test
    void aRethrowThroughNestedExecutorsIsLoggedOnceEvenWhenEqualExceptionsWereLoggedBefore() {
        assertThatThrownBy(() -> executor.execute(Fixtures.ORDER, () -> {
                    throw new EqualByMessage("ledger down");
                }))
                .isInstanceOf(EqualByMessage.class);

        assertThatThrownBy(() -> executor.execute(
                        new TaskContext("Api", "Order", "1"),
                        () -> executor.execute(new TaskContext("Account", "Debit", "1"), () -> {
                            throw new EqualByMessage("ledger down");
                        })))
                .isInstanceOf(EqualByMessage.class);

        assertThat(errors())
                .extracting(ILoggingEvent::getLoggerName)
                .containsExactly("ballast.task.Order", "ballast.task.Account");
    }

    @Test
    void aFailureLoggedOnAPropagatedPoolThreadIsNotLoggedAgainByTheCallerThatJoinsIt() {
        try (ExecutorService pool = ContextPropagation.wrap(Executors.newFixedThreadPool(2))) {
            assertThatThrownBy(() -> executor.execute(Fixtures.ORDER, () -> pool.submit(
                                    () -> executor.execute(new TaskContext("Ledger", "Read", "L-1"), () -> {
                                        throw new IllegalStateException("ledger down");
                                    }))
                            .get(5, TimeUnit.SECONDS)))
                    .isInstanceOf(IllegalStateException.class) // unwrapped from the ExecutionException
                    .hasMessage("ledger down");
        }

        assertThat(errors()).extracting(ILoggingEvent::getLoggerName).containsExactly("ballast.task.Ledger");
    }

    @Test
    void aSharedInstanceThrownByTwoHundredConcurrentCallersIsLoggedByEachOfThem() throws Exception {
        IllegalStateException shared = new IllegalStateException("static failure");
        int callers = 200;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                String id = "O-" + i;
                results.add(threads.submit(() -> {
                    start.await();
                    try {
                        executor.execute(new TaskContext("Order", "Place", id), () -> {
                            throw shared;
                        });
                        return false;
                    } catch (IllegalStateException e) {
                        return e == shared;
                    }
                }));
            }
            start.countDown();
            for (Future<Boolean> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isTrue();
            }
        }

        assertThat(errors()).hasSize(callers);
    }

    private List<ILoggingEvent> errors() {
        return logs.eventsAtLeast(Level.ERROR);
    }

    /** An exception type that compares by message, as some libraries' exceptions do. */
    static final class EqualByMessage extends RuntimeException {
        EqualByMessage(String message) {
            super(message);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof EqualByMessage that && Objects.equals(getMessage(), that.getMessage());
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(getMessage());
        }
    }
}
