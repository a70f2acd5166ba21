package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.ok;
import static dev.ballast.chaos.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SingleHolderTest {

    @Test
    void backToBackHoldsOfOneLockAndOverlappingHoldsOfTwoLocksPass() {
        History history = of(
                ok("hold", "account:A-1", 0, 10),
                ok("hold", "account:A-1", 10, 20),
                ok("hold", "account:A-2", 5, 15),
                op("hold", "account:A-1", "", Outcome.FAIL, 409, 2, 3));
        assertThat(new SingleHolder("hold").check(history).passed()).isTrue();
    }

    @Test
    void failsWhenTwoHoldsOfOneLockOverlap() {
        History history = of(ok("hold", "account:A-1", 0, 100), ok("hold", "account:A-1", 50, 60));
        Check check = new SingleHolder("hold").check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("1 overlaps");
    }
}
