package dev.ballast.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NoPartialWritesTest {

    @Test
    void passesWhenNothingLacksItsPartner() {
        assertThat(new NoPartialWrites(Map.of("orders without event", 0L))
                        .check(new History())
                        .passed())
                .isTrue();
    }

    @Test
    void failsNamingWhatLacksItsPartner() {
        Check check = new NoPartialWrites(Map.of("orders without event", 0L, "events without order", 2L))
                .check(new History());
        assertThat(check.passed()).isFalse();
        assertThat(check.detail()).isEqualTo("{events without order=2}");
    }
}
