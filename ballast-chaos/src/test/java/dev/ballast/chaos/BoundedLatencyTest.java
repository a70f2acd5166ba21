package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BoundedLatencyTest {

    private final History history = of(ok("quote", "AAPL", 0, 100), ok("order", "k", 0, 5_000));

    @Test
    void checksOnlyTheNamedKind() {
        assertThat(new BoundedLatency("quote", Duration.ofSeconds(1))
                        .check(history)
                        .passed())
                .isTrue();
    }

    @Test
    void failsWhenAnyOperationWaitedPastTheLimit() {
        Check check = new BoundedLatency("", Duration.ofSeconds(1)).check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("slowest 5000 ms");
    }
}
