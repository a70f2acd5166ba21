package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.ok;
import static dev.ballast.chaos.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerErrorBudgetTest {

    private final History history = of(
            ok("quote", "AAPL", 0, 1),
            op("quote", "AAPL", "", Outcome.UNKNOWN, 500, 1, 2),
            op("quote", "AAPL", "", Outcome.UNKNOWN, 0, 2, 3),
            op("quote", "NOPE", "", Outcome.FAIL, 404, 3, 4));

    @Test
    void countsFiveHundredsAndMissingAnswersButNotClientErrors() {
        assertThat(new ServerErrorBudget(2).check(history).passed()).isTrue();
    }

    @Test
    void failsWhenTheBudgetIsExceeded() {
        Check check = new ServerErrorBudget(1).check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).startsWith("2 of 4");
    }
}
