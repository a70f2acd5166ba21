package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SensitiveDataMaskerTest {

    private final SensitiveDataMasker masker = SensitiveDataMasker.defaults();

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "4111111111111234|************1234",
                "card 4111-1111-1111-1234 declined|card ****-****-****-1234 declined",
                "account 110-234-567890 frozen|account ***-***-**7890 frozen",
                "call 010 1234 5678|call *** **** 5678",
                "1234567890|******7890"
            })
    void masksLongDigitRunsKeepingTheLastFour(String input, String expected) {
        assertThat(masker.mask(input)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"order O-1234567", "A-1", "qty 100 at 71200.00", "2026-11-25", "123456789", "at 2026-11-25 10:15"})
    void leavesShortNumbersAlone(String input) {
        assertThat(masker.mask(input)).isSameAs(input);
    }

    @Test
    void theMinimumRunLengthIsConfigurable() {
        assertThat(SensitiveDataMasker.digitRuns(4).mask("pin 1234")).isEqualTo("pin 1234");
        assertThat(SensitiveDataMasker.digitRuns(4).mask("pin 12345")).isEqualTo("pin *2345");
    }

    @Test
    void rejectsAnUnreasonableMinimum() {
        assertThatThrownBy(() -> SensitiveDataMasker.digitRuns(2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minDigits must be between 4 and 64, was 2");
    }
}
