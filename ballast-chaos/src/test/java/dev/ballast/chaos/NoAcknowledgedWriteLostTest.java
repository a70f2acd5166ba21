package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.ok;
import static dev.ballast.chaos.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class NoAcknowledgedWriteLostTest {

    @Test
    void passesWhenEveryAcknowledgedOrderIsStoredAndUnansweredOnesMayBeEither() {
        History history =
                of(ok("order", "k1", 0, 5), ok("order", "k2", 1, 6), op("order", "k3", "", Outcome.UNKNOWN, 503, 2, 7));
        assertThat(new NoAcknowledgedWriteLost("order", Set.of("k1", "k2"))
                        .check(history)
                        .passed())
                .isTrue();
        assertThat(new NoAcknowledgedWriteLost("order", Set.of("k1", "k2", "k3"))
                        .check(history)
                        .passed())
                .isTrue();
    }

    @Test
    void failsWhenAnAcknowledgedOrderIsMissing() {
        History history = of(ok("order", "k1", 0, 5), ok("order", "k2", 1, 6));
        Check check = new NoAcknowledgedWriteLost("order", Set.of("k1")).check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("lost 1").contains("k2");
    }

    @Test
    void failsWhenTheStoreHoldsAnOrderNoClientSent() {
        History history = of(ok("order", "k1", 0, 5));
        Check check = new NoAcknowledgedWriteLost("order", Set.of("k1", "ghost")).check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("never sent 1");
    }
}
