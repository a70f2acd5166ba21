package dev.ballast.core.internal;

import dev.ballast.core.SensitiveDataMasker;

/** See {@link SensitiveDataMasker#digitRuns(int)}. A single scan, no regex, no allocation when nothing matches. */
public final class DigitRunMasker implements SensitiveDataMasker {

    /** Minimum digits 10. */
    public static final DigitRunMasker DEFAULT = new DigitRunMasker(10);

    private static final int KEEP_LAST = 4;

    private final int minDigits;

    /** A masker for runs of at least {@code minDigits} digits. */
    public DigitRunMasker(int minDigits) {
        if (minDigits < 4 || minDigits > 64) {
            throw new IllegalArgumentException("minDigits must be between 4 and 64, was " + minDigits);
        }
        this.minDigits = minDigits;
    }

    @Override
    public String mask(String text) {
        char[] out = null;
        int length = text.length();
        int i = 0;
        while (i < length) {
            if (!isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            int end = runEnd(text, i);
            int digits = countDigits(text, i, end);
            if (digits >= minDigits) {
                if (out == null) {
                    out = text.toCharArray();
                }
                maskRun(out, i, end, digits - KEEP_LAST);
            }
            i = end;
        }
        return out == null ? text : new String(out);
    }

    /**
     * End (exclusive) of a digit run starting at {@code start}, allowing a single ' ' or '-' between digit groups; the
     * first separator fixes the kind, so "2026-11-25 10:15" is a date and a time, not one 10-digit run.
     */
    private static int runEnd(String text, int start) {
        int i = start;
        int length = text.length();
        char separator = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                i++;
            } else if ((c == ' ' || c == '-')
                    && (separator == 0 || separator == c)
                    && i + 1 < length
                    && isDigit(text.charAt(i + 1))) {
                separator = c;
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private static int countDigits(String text, int start, int end) {
        int count = 0;
        for (int i = start; i < end; i++) {
            if (isDigit(text.charAt(i))) {
                count++;
            }
        }
        return count;
    }

    private static void maskRun(char[] out, int start, int end, int digitsToMask) {
        int masked = 0;
        for (int i = start; i < end && masked < digitsToMask; i++) {
            if (isDigit(out[i])) {
                out[i] = '*';
                masked++;
            }
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
