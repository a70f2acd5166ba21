package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.test.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow successes come in floods during an incident (every request waits on the same slow dependency): their WARN lines
 * are limited per domain and task like failure lines, apart from them, and the next line written reports what was held
 * back. Every success here counts as slow (threshold 1 ns), so no test waits.
 */
class SlowSuccessLogLimitTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("ballast");

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final InstantSource clock = () -> Instant.ofEpochMilli(millis.get());

    private final LogicExecutor executor = LogicExecutor.create(ExecutionPipeline.builder()
            .add(LoggingPolicy.create(SensitiveDataMasker.defaults(), org.slf4j.event.Level.INFO, Duration.ofNanos(1))
                    .withBusinessLogLimit(3, Duration.ofSeconds(10), clock))
            .build());

    @Test
    void aFloodOfSlowSuccessesWritesTheLimitPerWindowAndTheNextWindowReportsWhatWasSuppressed() {
        succeed(20, Fixtures.ORDER);

        assertThat(logs.events()).hasSize(3).allSatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).contains("completed slowly in");
        });

        millis.addAndGet(10_000);
        succeed(1, Fixtures.ORDER);

        ILoggingEvent reporting = logs.events().getLast();
        assertThat(logs.events()).hasSize(4);
        assertThat(reporting.getFormattedMessage()).endsWith("(17 similar suppressed)");
        assertThat(reporting.getKeyValuePairs()).anySatisfy(pair -> {
            assertThat(pair.key).isEqualTo("suppressed");
            assertThat(pair.value).isEqualTo(17L);
        });
    }

    @Test
    void eachTaskHasItsOwnLimitAndSlowLinesLeaveFailureLinesTheirs() {
        succeed(10, Fixtures.ORDER);
        succeed(10, new TaskContext("Account", "Deposit", "A-1"));
        for (int i = 0; i < 10; i++) {
            try {
                executor.execute(Fixtures.ORDER, () -> {
                    throw new ClientException(CommonErrorCode.CONFLICT, "account busy");
                });
            } catch (ClientException expected) {
                // the business failure this test logs
            }
        }

        assertThat(logs.events()).as("3 slow lines per task, 3 failure lines").hasSize(9);
    }

    private void succeed(int times, TaskContext context) {
        for (int i = 0; i < times; i++) {
            assertThat(executor.execute(context, () -> "done")).isEqualTo("done");
        }
    }
}
