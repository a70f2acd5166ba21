package dev.ballast.boot.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.PlannedUnavailability;
import dev.ballast.lock.LockBackendException;
import dev.ballast.test.LogCapture;
import dev.ballast.test.MutableClock;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.ProblemDetail;

/**
 * A failure no Ballast task logged (a repository called straight from a controller) gets its stack trace in the log for
 * at most 5 failures of its class in 10 s. A black-box outage of the example's database wrote one ERROR line with a
 * whole stack trace per deposit, for the account check a deposit makes before its task; the task's own failures were
 * already limited.
 */
class UnhandledFailureStackTracesTest {

    @RegisterExtension
    final LogCapture log = LogCapture.of(BallastProblemHandler.class);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T07:00:00Z"));
    private final BallastProblemHandler handler =
            new BallastProblemHandler(Duration.ofSeconds(1), ExceptionClassifier.defaults(), clock);

    @Test
    void anOutageLogsFiveStackTracesPerClassInTenSecondsAndAnIncidentLineForEveryRequest() {
        for (int i = 0; i < 7; i++) {
            assertThat(answer(new SQLTransientConnectionException("connection is not available"))
                            .getStatus())
                    .isEqualTo(503);
        }
        List<ILoggingEvent> lines = log.events();
        assertThat(lines).hasSize(7).allSatisfy(line -> assertThat(line.getKeyValuePairs())
                .anySatisfy(pair -> assertThat(pair.key).isEqualTo("incident")));
        assertThat(lines.subList(0, 5)).allSatisfy(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.ERROR);
            assertThat(line.getThrowableProxy()).isNotNull();
        });
        assertThat(lines.subList(5, 7)).allSatisfy(line -> {
            assertThat(line.getLevel())
                    .as("a 503 beyond the limit: an outage's retryable answer")
                    .isEqualTo(Level.INFO);
            assertThat(line.getThrowableProxy()).isNull();
            assertThat(line.getFormattedMessage()).contains("stack trace left out");
        });

        log.clear();
        clock.advance(Duration.ofSeconds(10));
        answer(new SQLTransientConnectionException("connection is not available"));
        assertThat(log.events()).singleElement().satisfies(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.ERROR);
            assertThat(line.getThrowableProxy()).isNotNull();
            assertThat(line.getFormattedMessage()).contains("(2 more logged without a stack trace since the last)");
        });
    }

    @Test
    void eachClassHasItsOwnLimitAndA500BeyondItStaysAnErrorLine() {
        for (int i = 0; i < 5; i++) {
            answer(new SQLTransientConnectionException("down"));
        }
        log.clear();

        for (int i = 0; i < 6; i++) {
            assertThat(answer(new IllegalStateException("bug")).getStatus()).isEqualTo(500);
        }

        List<ILoggingEvent> lines = log.events();
        assertThat(lines).hasSize(6).allSatisfy(line -> assertThat(line.getLevel())
                .isEqualTo(Level.ERROR));
        assertThat(lines.subList(0, 5))
                .as("another class: its own five stack traces")
                .allSatisfy(line -> assertThat(line.getThrowableProxy()).isNotNull());
        assertThat(lines.get(5).getThrowableProxy()).isNull();
    }

    @Test
    void theIncidentLineNamesTheInnermostCauseOfAWrappedFailureButNotItsMessage() {
        var timeout = new SQLTimeoutException("canceling statement due to user request: secret-ish detail");
        answer(new IllegalStateException("the action ledger did not answer", timeout));

        assertThat(log.events()).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
                .contains("for an unhandled java.lang.IllegalStateException caused by java.sql.SQLTimeoutException")
                .doesNotContain("secret-ish"));
    }

    @Test
    void callersRefusedWhileLocksMoveAreIncidentLinesAtInfoWithoutStackTraces() {
        // a caller of @DistributedLock (no Ballast task around it) whose wait ends inside the planned switch
        for (int i = 0; i < 7; i++) {
            ProblemDetail problem = answer(new LockBackendException(
                    "resilient", "acquire", "account:A-1", new LocksMovingCause("locks are moving to jdbc")));
            assertThat(problem.getStatus()).isEqualTo(503);
            assertThat(problem.getProperties()).containsEntry("code", "UNAVAILABLE");
        }

        assertThat(log.events()).hasSize(7).allSatisfy(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.INFO);
            assertThat(line.getThrowableProxy()).isNull();
            assertThat(line.getFormattedMessage())
                    .contains("for a planned unavailability: dev.ballast.lock.LockBackendException caused by")
                    .doesNotContain("account:A-1");
        });
    }

    /** The shape of the resilient lock strategy's switching cause: a timeout marked as planned. */
    static final class LocksMovingCause extends TimeoutException implements PlannedUnavailability {
        private static final long serialVersionUID = 1L;

        LocksMovingCause(String message) {
            super(message);
        }
    }

    private ProblemDetail answer(Throwable failure) {
        ProblemDetail body = handler.problem(failure).getBody();
        assertThat(body).isNotNull();
        return body;
    }
}
