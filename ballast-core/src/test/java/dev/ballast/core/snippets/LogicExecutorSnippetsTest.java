package dev.ballast.core.snippets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.ServerException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Javadoc examples of {@code LogicExecutor} do what their text says. */
class LogicExecutorSnippetsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LogicExecutorSnippets snippets =
            new LogicExecutorSnippets(registry, Map.of("A-1", new BigDecimal("12.50")));

    @Test
    void executeReturnsTheTasksResultAndTimesItUnderItsTaskContext() {
        assertThat(snippets.balance("A-1")).isEqualByComparingTo("12.50");
        assertThat(registry.get("ballast.task")
                        .tag("domain", "Account")
                        .tag("task", "Balance")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void executeLetsTheClientExceptionThroughUnchanged() {
        assertThatThrownBy(() -> snippets.balance("A-9"))
                .isInstanceOfSatisfying(
                        ClientException.class, e -> assertThat(e.errorCode()).isEqualTo(CommonErrorCode.NOT_FOUND));
    }

    @Test
    void executeOrDefaultAnswersTheDefaultWhenTheTaskFails() {
        assertThat(snippets.balanceOrZero("A-9")).isEqualByComparingTo("0");
    }

    @Test
    void executeWithTranslationThrowsTheDomainExceptionWithTheTechnicalOneAsItsCause() {
        assertThatThrownBy(() -> snippets.balanceAtBoundary("A-1"))
                .isInstanceOfSatisfying(
                        ServerException.class, e -> assertThat(e.errorCode()).isEqualTo(CommonErrorCode.UNAVAILABLE))
                .hasMessageContaining("ledger is unavailable")
                .hasCauseInstanceOf(java.io.UncheckedIOException.class);
    }
}
