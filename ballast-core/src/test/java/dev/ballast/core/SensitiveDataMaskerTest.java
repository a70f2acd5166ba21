package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link SensitiveDataMasker#defaults()} masks, and what it must leave alone. */
class SensitiveDataMaskerTest {

    private final SensitiveDataMasker masker = SensitiveDataMasker.defaults();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "550e8400-e29b-41d4-a716-446655440000",
                "01a22a46-b123-4567-8901-234567890123",
                "12345678-1234-1234-1234-123456789012",
                "order 0190a8c2-7d3e-7f00-8b1a-3c4d5e6f7a8b not found",
                "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                "event 01HZX9Q8W5R2E4T6Y8U0I2O4P6 relayed",
                "O-4111111111111111",
                "ORD-20260115-0001234567",
                "idem_4111111111111111",
                "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7"
            })
    void leavesUuidsUlidsAndOtherIdentifiersAlone(String text) {
        assertThat(masker.mask(text)).isSameAs(text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "order O-1234567 placed",
                "qty 100 at 71200.00",
                "2026-11-25",
                "at 2026-11-25 10:15:30",
                "at 2026-11-25T10:15:30.123Z",
                "123456789",
                "4111111111111112",
                "1234567890123456",
                "balance 1234567890.00 KRW",
                "call 1588-1234"
            })
    void leavesNumbersThatAreNotPersonalDataAlone(String text) {
        assertThat(masker.mask(text)).isSameAs(text);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "4111111111111111|************1111",
                "card 4111-1111-1111-1111 declined|card ****-****-****-1111 declined",
                "card 4111 1111 1111 1111 declined|card **** **** **** 1111 declined",
                "amex 378282246310005.|amex ***********0005.",
                "{\"pan\":\"5500000000000004\"}|{\"pan\":\"************0004\"}",
                "visa13=4222222222222|visa13=*********2222"
            })
    void masksCardNumbersThatPassTheLuhnCheckKeepingTheLastFour(String input, String expected) {
        assertThat(masker.mask(input)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "rrn 900101-1234567 rejected|rrn ******-******* rejected",
                "주민등록번호:0001014123456|주민등록번호:*************",
                "foreigner 851231-5123456|foreigner ******-*******"
            })
    void masksKoreanResidentRegistrationNumbers(String input, String expected) {
        assertThat(masker.mask(input)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "call 010-1234-5678|call ***-****-5678",
                "전화010.9876.5432로|전화***.****.5432로",
                "mobile 01012345678|mobile *******5678",
                "office 02-123-4567|office **-***-4567",
                "office 031 123 4567|office *** *** 4567",
                "intl +82 10 1234 5678|intl +** ** **** 5678",
                "us +14155550100|us +*******0100"
            })
    void masksPhoneNumbersKeepingTheLastFour(String input, String expected) {
        assertThat(masker.mask(input)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "mail john.doe@example.com now|mail j*******@example.com now",
                "<kim+trading@broker.co.kr>|<k**********@broker.co.kr>",
                "a@b.co|a@b.co"
            })
    void masksEmailLocalPartsButTheFirstCharacter(String input, String expected) {
        assertThat(masker.mask(input)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "account 110234567890 frozen|account ********7890 frozen",
                "accountNo=110-234-567890|accountNo=***-***-**7890",
                "{\"accountNumber\": \"110-234-567890\"}|{\"accountNumber\": \"***-***-**7890\"}",
                "계좌번호: 110-234-567890|계좌번호: ***-***-**7890"
            })
    void masksAccountNumbersInAccountFields(String input, String expected) {
        assertThat(masker.mask(input)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"quantity 110234567890", "orderNo=110-234-567890"})
    void leavesTheSameDigitsAloneOutsideAccountFields(String text) {
        assertThat(masker.mask(text)).isSameAs(text);
    }
}
