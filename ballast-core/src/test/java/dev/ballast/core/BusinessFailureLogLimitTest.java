package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.test.LogCapture;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A flood of expected business answers ("lock busy", "insufficient funds") writes a bounded number of one-line INFO
 * entries per domain, task and exception type, and reports what it held back; so does an outage's flood of
 * infrastructure failures (at ERROR, with stack traces), counted apart; failures of unknown kind are never held back.
 */
class BusinessFailureLogLimitTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("ballast");

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final InstantSource clock = () -> Instant.ofEpochMilli(millis.get());

    private final LogicExecutor executor = Fixtures.loggingExecutor(3, clock);

    @Test
    void aFloodOfBusinessFailuresWritesTheLimitPerWindowAndTheNextWindowReportsWhatWasSuppressed() {
        fail(20, Fixtures.ORDER, busy());

        assertThat(logs.events()).hasSize(3).allSatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getThrowableProxy()).isNull();
        });

        millis.addAndGet(10_000);
        fail(1, Fixtures.ORDER, busy());

        List<ILoggingEvent> events = logs.events();
        assertThat(events).hasSize(4);
        ILoggingEvent reporting = events.get(3);
        assertThat(reporting.getFormattedMessage()).endsWith("(17 similar suppressed)");
        assertThat(reporting.getKeyValuePairs()).anySatisfy(pair -> {
            assertThat(pair.key).isEqualTo("suppressed");
            assertThat(pair.value).isEqualTo(17L);
        });
    }

    @Test
    void eachTaskAndExceptionTypeHasItsOwnLimit() {
        fail(10, Fixtures.ORDER, busy());
        fail(10, new TaskContext("Account", "Deposit", "A-1"), busy());
        fail(10, Fixtures.ORDER, new ClientException(CommonErrorCode.NOT_FOUND, "no such order"));

        assertThat(logs.events()).hasSize(9);
    }

    @Test
    void failuresOfUnknownCategoryAreNeverSuppressed() {
        fail(20, Fixtures.ORDER, new IllegalStateException("ledger broken"));

        assertThat(logs.eventsAtLeast(Level.ERROR)).hasSize(20);
    }

    @Test
    void anOutageFloodOfInfrastructureFailuresWritesTheLimitPerWindowWithStackTracesApartFromBusinessAnswers() {
        fail(20, Fixtures.ORDER, new java.io.UncheckedIOException(new java.net.ConnectException("Connection refused")));
        fail(20, Fixtures.ORDER, busy());

        assertThat(logs.eventsAtLeast(Level.ERROR)).hasSize(3).allSatisfy(event -> assertThat(event.getThrowableProxy())
                .as("an infrastructure failure line keeps its stack trace")
                .isNotNull());
        assertThat(logs.events())
                .as("3 infrastructure lines and 3 business lines")
                .hasSize(6);

        millis.addAndGet(10_000);
        fail(1, Fixtures.ORDER, new java.io.UncheckedIOException(new java.net.ConnectException("Connection refused")));
        assertThat(logs.events().getLast().getFormattedMessage()).endsWith("(17 similar suppressed)");
    }

    private static ClientException busy() {
        return new ClientException(CommonErrorCode.CONFLICT, "account busy");
    }

    private void fail(int times, TaskContext context, RuntimeException error) {
        for (int i = 0; i < times; i++) {
            assertThatThrownBy(() -> executor.execute(context, () -> {
                        throw error;
                    }))
                    .isSameAs(error);
        }
    }
}
