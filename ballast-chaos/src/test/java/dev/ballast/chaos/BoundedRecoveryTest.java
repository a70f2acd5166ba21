package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.ok;
import static dev.ballast.chaos.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BoundedRecoveryTest {

    @Test
    void recoveryRunsFromTheFaultsEndToTheLastFailure() {
        History history = of(
                op("quote", "A", "", Outcome.UNKNOWN, 503, 900, 1_000),
                op("quote", "A", "", Outcome.UNKNOWN, 503, 1_200, 1_400),
                ok("quote", "A", 1_500, 1_510));
        history.mark("fault-end", 1_000_000_000L);
        assertThat(BoundedRecovery.recovery(history, "fault-end")).isEqualTo(Duration.ofMillis(400));
        assertThat(new BoundedRecovery("fault-end", Duration.ofMillis(500))
                        .check(history)
                        .passed())
                .isTrue();
    }

    @Test
    void failsWhenFailuresGoOnPastTheLimit() {
        History history = of(op("quote", "A", "", Outcome.UNKNOWN, 503, 4_000, 5_000), ok("quote", "A", 5_100, 5_110));
        history.mark("fault-end", 1_000_000_000L);
        Check check = new BoundedRecovery("fault-end", Duration.ofSeconds(2)).check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("recovery 4000 ms");
    }

    @Test
    void failsWhenNothingSucceededAfterTheFault() {
        History history = of(ok("quote", "A", 0, 10), op("quote", "A", "", Outcome.UNKNOWN, 0, 1_000, 1_100));
        history.mark("fault-end", 1_050_000_000L);
        assertThat(new BoundedRecovery("fault-end", Duration.ofSeconds(2))
                        .check(history)
                        .detail())
                .contains("nothing succeeded");
    }

    @Test
    void failsWhenTheFaultsEndWasNeverMarked() {
        assertThat(new BoundedRecovery("fault-end", Duration.ofSeconds(2))
                        .check(of(ok("quote", "A", 0, 1)))
                        .passed())
                .isFalse();
    }
}
