package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.ok;
import static dev.ballast.chaos.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FastFailuresTest {

    @Test
    void slowSuccessesAndSlowClientErrorsDoNotCountOnlySlowServerErrorsDo() {
        History history = of(
                ok("order", "k1", 0, 10_000),
                op("deposit", "A-1", "1.00", Outcome.FAIL, 409, 0, 5_000),
                op("order", "k2", "", Outcome.UNKNOWN, 503, 0, 200));
        assertThat(new FastFailures(Duration.ofSeconds(1)).check(history).passed())
                .isTrue();
    }

    @Test
    void failsWhenAFailureHungPastTheLimit() {
        History history = of(op("order", "k2", "", Outcome.UNKNOWN, 0, 0, 30_000));
        Check check = new FastFailures(Duration.ofSeconds(1)).check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("slowest 30000 ms");
    }
}
