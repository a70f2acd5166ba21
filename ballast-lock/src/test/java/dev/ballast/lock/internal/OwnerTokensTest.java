package dev.ballast.lock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OwnerTokensTest {

    @Test
    void aTokenIsTheProcessThenAFreshUuidAndFitsTheOwnerColumn() {
        String first = OwnerTokens.next();
        String second = OwnerTokens.next();

        assertThat(first).hasSizeLessThanOrEqualTo(64).matches("[!-~]{1,27}/[0-9a-f-]{36}");
        assertThat(second).isNotEqualTo(first);
        assertThat(second.substring(0, second.indexOf('/'))).isEqualTo(first.substring(0, first.indexOf('/')));
    }

    @Test
    void aLongOrOddProcessNameIsCutAndCleanedSoTheTokenStillFits() {
        assertThat(OwnerTokens.process("4242@host-1")).isEqualTo("4242@host-1/");
        assertThat(OwnerTokens.process("4242@a very/odd\thost")).isEqualTo("4242@a_very_odd_host/");
        assertThat(OwnerTokens.process("4242@" + "h".repeat(300))).hasSize(28).endsWith("h/");
        assertThat(OwnerTokens.process("")).isEqualTo("unknown/");
    }
}
