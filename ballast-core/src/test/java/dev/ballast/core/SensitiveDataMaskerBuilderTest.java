package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Configuring the built-in masker, and what it costs on a log path. */
class SensitiveDataMaskerBuilderTest {

    @Test
    void idsAreLeftAloneUnlessConfigured() {
        String cardShapedId = "4111-1111-1111-1111";

        assertThat(SensitiveDataMasker.defaults().maskId(cardShapedId)).isSameAs(cardShapedId);
        assertThat(SensitiveDataMasker.builder().maskIds(true).build().maskId(cardShapedId))
                .isEqualTo("****-****-****-1111");
    }

    @Test
    void aCustomMaskerMasksIdsWithItsOwnRuleUnlessItSaysOtherwise() {
        SensitiveDataMasker upper = text -> text.toUpperCase(java.util.Locale.ROOT);

        assertThat(upper.maskId("o-1")).isEqualTo("O-1");
        assertThat(SensitiveDataMasker.none().maskId("4111111111111111")).isEqualTo("4111111111111111");
    }

    @Test
    void eachRuleCanBeSwitchedOff() {
        SensitiveDataMasker nothing = SensitiveDataMasker.builder()
                .cardNumbers(false)
                .residentRegistrationNumbers(false)
                .phoneNumbers(false)
                .emails(false)
                .accountFields(List.of())
                .build();
        String text = "4111111111111111 900101-1234567 010-1234-5678 john@example.com account 110234567890";

        assertThat(nothing.mask(text)).isSameAs(text);
    }

    @Test
    void accountFieldsReplaceTheDefaultsAndMatchIgnoringCase() {
        SensitiveDataMasker wallets =
                SensitiveDataMasker.builder().accountFields(List.of("wallet")).build();

        assertThat(wallets.mask("WALLET=1234567890 account 110234567890"))
                .isEqualTo("WALLET=******7890 account 110234567890");
    }

    @Test
    void digitRunsMaskEveryStandaloneLongNumberButNotIdentifiers() {
        SensitiveDataMasker runs = SensitiveDataMasker.builder().digitRuns(10).build();

        assertThat(runs.mask("ref 1234567890 in O-1234567890 at 2026-11-25"))
                .isEqualTo("ref ******7890 in O-1234567890 at 2026-11-25");
    }

    @Test
    void badSettingsAreRejectedNamingTheValue() {
        SensitiveDataMasker.Builder builder = SensitiveDataMasker.builder();

        assertThatThrownBy(() -> builder.digitRuns(2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("digitRuns minDigits must be 0 (off) or 4 to 64, was 2");
        assertThatThrownBy(() -> builder.accountFields(List.of("account no")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "accountFields names may hold only letters, digits and '_'; 'account no' has ' ' at index 7");
        assertThatThrownBy(() -> builder.accountFields(List.of("")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("accountFields names must be 1 to 64 characters long, was ''");
    }

    @Test
    void theDefaultMaskerAllocatesNothingWhenThereIsNothingToMask() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SensitiveDataMasker masker = SensitiveDataMasker.defaults();
        String line = "Order.Place [01a22a46-b123-4567-8901-234567890123] failed: quantity 100 at 71200.00 for"
                + " account A-1 on 2026-11-25 10:15, see trace 4bf92f3577b34da6a3ce929d0e0e4736";
        for (int i = 0; i < 20_000; i++) {
            masker.mask(line);
        }
        long thread = Thread.currentThread().threadId();

        long before = threads.getThreadAllocatedBytes(thread);
        int copies = 0;
        for (int i = 0; i < 10_000; i++) {
            if (masker.mask(line) != line) {
                copies++;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(copies).isZero();
        assertThat(allocated).as("bytes for 10,000 calls").isLessThan(10_000);
    }
}
