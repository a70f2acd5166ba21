package dev.ballast.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DepositHoldsTest {

    @Test
    void depositsThatWroteOneBalanceAfterAnotherAreOneHolderAtATime() {
        History holds = DepositHolds.of(List.of(
                "{\"accountId\":\"A-1\",\"balance\":\"1.00\"}",
                "{\"accountId\":\"A-1\",\"balance\":\"2.00\"}",
                "{\"accountId\":\"A-2\",\"balance\":\"1.00\"}",
                "{\"accountId\":\"A-1\",\"balance\":\"3.00\"}"));
        Check check = new SingleHolder(DepositHolds.HOLD).check(holds);
        assertThat(check.passed()).isTrue();
        assertThat(check.detail()).contains("4 holds of 2 locks");
    }

    @Test
    void twoDepositsThatWroteTheSameBalanceWereTwoHoldersAtOnce() {
        History holds = DepositHolds.of(List.of(
                "{\"accountId\":\"A-1\",\"balance\":\"1.00\"}",
                "{\"accountId\":\"A-1\",\"balance\":\"2.00\"}",
                "{\"accountId\":\"A-1\",\"balance\":\"2.00\"}"));
        Check check = new SingleHolder(DepositHolds.HOLD).check(holds);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("1 overlaps");
    }
}
