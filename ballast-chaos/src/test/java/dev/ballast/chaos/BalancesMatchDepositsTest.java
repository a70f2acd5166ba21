package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BalancesMatchDepositsTest {

    private final History history = of(
            op("deposit", "A-1", "1.00", Outcome.OK, 200, 0, 5),
            op("deposit", "A-1", "1.00", Outcome.OK, 200, 6, 9),
            op("deposit", "A-1", "1.00", Outcome.UNKNOWN, 0, 10, 20),
            op("deposit", "A-1", "1.00", Outcome.FAIL, 409, 21, 22));

    @Test
    void passesWhenTheBalanceIsTheAcknowledgedSumOrIncludesTheUnansweredOne() {
        assertThat(check("2.00").passed()).isTrue();
        assertThat(check("3.00").passed()).isTrue();
    }

    @Test
    void failsWhenAnAcknowledgedDepositIsMissing() {
        Check check = check("1.00");
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("A-1 holds 1.00");
    }

    @Test
    void failsWhenADepositWasAppliedTwiceOrARefusedOneApplied() {
        assertThat(check("4.00").passed()).isFalse();
    }

    private Check check(String balance) {
        return new BalancesMatchDeposits(Map.of("A-1", new BigDecimal(balance), "A-2", BigDecimal.ZERO.setScale(2)))
                .check(history);
    }
}
