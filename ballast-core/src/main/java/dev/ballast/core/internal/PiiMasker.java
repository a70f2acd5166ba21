package dev.ballast.core.internal;

import dev.ballast.core.SensitiveDataMasker;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The built-in {@link SensitiveDataMasker}: one left-to-right pass over the text, no regular expressions, no allocation
 * when nothing is masked. Identifiers are skipped whole before anything inside them is looked at: a run of ASCII
 * letters, digits and underscores, joined by single hyphens or dots ({@code 550e8400-e29b-41d4-a716-446655440000},
 * {@code 01ARZ3NDEKTSV4RRFFQ69G5FAV}, {@code O-4111111111111111}), is never masked. Numbers standing alone are
 * classified by {@link NumberShapes}; an {@code @} is checked for an e-mail address. Immutable and thread-safe.
 */
public final class PiiMasker implements SensitiveDataMasker {

    /** The rules of {@link SensitiveDataMasker#defaults()}. */
    public static final PiiMasker DEFAULT =
            new PiiMasker(new Rules(true, true, true, true, SensitiveDataMasker.DEFAULT_ACCOUNT_FIELDS, 0, false));

    /** Digits left visible at the end of a masked card, phone or account number. */
    public static final int KEEP_LAST = 4;

    private static final int MAX_FIELD_GAP = 6;
    private static final int MAX_FIELD_NAME = 64;

    private final Rules rules;
    private final String[] accountFields;

    /**
     * What a masker masks.
     *
     * @param cards Luhn-valid card numbers
     * @param residentNumbers Korean resident registration numbers
     * @param phones phone numbers
     * @param emails e-mail local parts
     * @param accountFields names whose number value is an account number; empty for none
     * @param minDigitRun mask any standalone number of at least this many digits; 0 for off
     * @param ids whether {@link #maskId} masks too
     */
    public record Rules(
            boolean cards,
            boolean residentNumbers,
            boolean phones,
            boolean emails,
            List<String> accountFields,
            int minDigitRun,
            boolean ids) {

        /** Copies the field names. */
        public Rules {
            accountFields = List.copyOf(accountFields);
        }
    }

    /** A masker applying {@code rules}; the caller has validated them. */
    public PiiMasker(Rules rules) {
        this.rules = rules;
        this.accountFields = rules.accountFields().toArray(String[]::new);
    }

    /** The rules this masker applies. */
    public Rules rules() {
        return rules;
    }

    @Override
    public String maskId(String id) {
        return rules.ids() ? mask(id) : id;
    }

    @Override
    public String mask(String text) {
        char @Nullable [] out = null;
        int length = text.length();
        int i = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (NumberShapes.isDigit(c) || (c == '+' && i + 1 < length && NumberShapes.isDigit(text.charAt(i + 1)))) {
                int end = NumberShapes.end(text, i);
                if (standsAlone(text, i, end)) {
                    out = maskNumber(text, out, i, end);
                }
                i = end;
            } else if (isIdentifierChar(c)) {
                i = identifierEnd(text, i);
            } else if (c == '@' && rules.emails()) {
                out = maskEmailLocalPart(text, out, i);
                i++;
            } else {
                i++;
            }
        }
        return out == null ? text : new String(out);
    }

    private char @Nullable [] maskNumber(String text, char @Nullable [] out, int start, int end) {
        if (rules.residentNumbers() && NumberShapes.isResidentNumber(text, start, end)) {
            return maskDigits(text, out, start, end, 0);
        }
        if ((rules.cards() && NumberShapes.isCard(text, start, end))
                || (rules.phones() && NumberShapes.isPhone(text, start, end))
                || (accountFields.length > 0 && followsAccountField(text, start))
                || (rules.minDigitRun() > 0 && NumberShapes.digits(text, start, end) >= rules.minDigitRun())) {
            return maskDigits(text, out, start, end, KEEP_LAST);
        }
        return out;
    }

    /** True if the number is not part of an identifier: no letter, digit or joined identifier right before or after. */
    private static boolean standsAlone(String text, int start, int end) {
        boolean left = start == 0
                || !(isIdentifierChar(text.charAt(start - 1))
                        || (isJoiner(text.charAt(start - 1))
                                && start >= 2
                                && isIdentifierChar(text.charAt(start - 2))));
        if (!left) {
            return false;
        }
        int length = text.length();
        return end == length
                || !(isIdentifierChar(text.charAt(end))
                        || (isJoiner(text.charAt(end)) && end + 1 < length && isIdentifierChar(text.charAt(end + 1))));
    }

    /** Whether the word before the number (past a few spaces, quotes, ':' or '=') is one of the account fields. */
    private boolean followsAccountField(String text, int start) {
        int i = start - 1;
        int gap = 0;
        while (i >= 0 && gap < MAX_FIELD_GAP && isFieldGap(text.charAt(i))) {
            i--;
            gap++;
        }
        if (gap == 0) {
            return false;
        }
        int wordEnd = i + 1;
        while (i >= 0 && wordEnd - i <= MAX_FIELD_NAME && isWordChar(text.charAt(i))) {
            i--;
        }
        int wordStart = i + 1;
        int wordLength = wordEnd - wordStart;
        for (String field : accountFields) {
            if (field.length() == wordLength && text.regionMatches(true, wordStart, field, 0, wordLength)) {
                return true;
            }
        }
        return false;
    }

    /** Masks the local part of an e-mail address ending at {@code at} but its first character. */
    private static char @Nullable [] maskEmailLocalPart(String text, char @Nullable [] out, int at) {
        int start = at;
        while (start > 0 && isLocalPartChar(text.charAt(start - 1))) {
            start--;
        }
        if (at - start < 2 || !hasDomain(text, at + 1)) {
            return out;
        }
        char[] masked = out == null ? text.toCharArray() : out;
        for (int i = start + 1; i < at; i++) {
            masked[i] = '*';
        }
        return masked;
    }

    /** A domain of at least two labels of letters, digits and hyphens starts at {@code from}. */
    private static boolean hasDomain(String text, int from) {
        int length = text.length();
        int labels = 0;
        int labelLength = 0;
        for (int i = from; i < length; i++) {
            char c = text.charAt(i);
            if (isAsciiLetterOrDigit(c) || c == '-') {
                labelLength++;
            } else if (c == '.' && labelLength > 0) {
                labels++;
                labelLength = 0;
            } else {
                break;
            }
        }
        return labels >= 1 && labelLength >= 2;
    }

    /** Replaces the digits of {@code [start, end)} with '*' but the last {@code keep}. */
    private static char @Nullable [] maskDigits(String text, char @Nullable [] out, int start, int end, int keep) {
        int toMask = NumberShapes.digits(text, start, end) - keep;
        if (toMask <= 0) {
            return out;
        }
        char[] masked = out == null ? text.toCharArray() : out;
        for (int i = start; i < end && toMask > 0; i++) {
            if (NumberShapes.isDigit(text.charAt(i))) {
                masked[i] = '*';
                toMask--;
            }
        }
        return masked;
    }

    private static int identifierEnd(String text, int start) {
        int length = text.length();
        int i = start;
        while (i < length) {
            char c = text.charAt(i);
            if (isIdentifierChar(c) || (isJoiner(c) && i + 1 < length && isIdentifierChar(text.charAt(i + 1)))) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private static boolean isIdentifierChar(char c) {
        return isAsciiLetterOrDigit(c) || c == '_';
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isJoiner(char c) {
        return c == '-' || c == '.';
    }

    private static boolean isFieldGap(char c) {
        return c == ' ' || c == ':' || c == '=' || c == '"' || c == '\'';
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean isLocalPartChar(char c) {
        return isAsciiLetterOrDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }
}
