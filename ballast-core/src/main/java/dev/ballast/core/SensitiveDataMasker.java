package dev.ballast.core;

import dev.ballast.core.internal.DigitRunMasker;

/**
 * Hides sensitive parts of text before it is logged: the executor's policies pass every task id and failure message
 * through one. Implementations must be thread-safe, fast, and return the input itself when there is nothing to mask.
 */
@FunctionalInterface
public interface SensitiveDataMasker {

    /** Masks sensitive data in {@code text}. */
    String mask(String text);

    /**
     * Masks every run of at least {@code minDigits} digits (single spaces or hyphens may separate groups, as in card
     * numbers) except its last four digits, e.g. {@code 4111-1111-1111-1234} becomes {@code ****-****-****-1234}.
     *
     * @param minDigits 4 to 64
     */
    static SensitiveDataMasker digitRuns(int minDigits) {
        return new DigitRunMasker(minDigits);
    }

    /** The default: {@link #digitRuns(int)} with 10 digits, which catches account, card and phone numbers but not dates. */
    static SensitiveDataMasker defaults() {
        return DigitRunMasker.DEFAULT;
    }

    /** A masker that changes nothing. */
    static SensitiveDataMasker none() {
        return text -> text;
    }
}
