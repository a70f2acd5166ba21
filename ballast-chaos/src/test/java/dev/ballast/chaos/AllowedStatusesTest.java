package dev.ballast.chaos;

import static dev.ballast.chaos.Histories.of;
import static dev.ballast.chaos.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class AllowedStatusesTest {

    @Test
    void quickServiceUnavailableAndRefusedConnectionsPass() {
        History history = new History();
        history.add(op("order", "k1", "", Outcome.OK, 201, 0, 1));
        history.add(op("order", "k2", "", Outcome.UNKNOWN, 503, 1, 2));
        history.add(op("order", "k3", "", Outcome.FAIL, Load.REFUSED, 2, 3));
        assertThat(new AllowedStatuses(Set.of(201, 503)).check(history).passed())
                .isTrue();
    }

    @Test
    void failsOnAnInternalServerErrorOrAMissingAnswer() {
        History history =
                of(op("order", "k1", "", Outcome.UNKNOWN, 500, 0, 1), op("order", "k2", "", Outcome.UNKNOWN, 0, 1, 2));
        Check check = new AllowedStatuses(Set.of(201, 503)).check(history);
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).contains("2 others");
    }
}
