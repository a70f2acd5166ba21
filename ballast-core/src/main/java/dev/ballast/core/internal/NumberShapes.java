package dev.ballast.core.internal;

/**
 * Recognises the shape of a standalone number in text: a run of digits, optionally after a {@code +}, whose groups are
 * separated by single spaces, hyphens or dots (one kind per number). Stateless; every method reads {@code text} between
 * {@code start} (inclusive) and {@code end} (exclusive) and allocates nothing.
 */
final class NumberShapes {

    private NumberShapes() {}

    /** End of the number starting at {@code start} (a digit, or a {@code +} followed by one). */
    static int end(String text, int start) {
        int length = text.length();
        int i = text.charAt(start) == '+' ? start + 1 : start;
        char separator = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                i++;
            } else if (isSeparator(c)
                    && (separator == 0 || separator == c)
                    && isDigit(text.charAt(i - 1))
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

    /** The separator between groups, or 0 for a single group. */
    static char separator(String text, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (isSeparator(c)) {
                return c;
            }
        }
        return 0;
    }

    static int digits(String text, int start, int end) {
        int count = 0;
        for (int i = start; i < end; i++) {
            if (isDigit(text.charAt(i))) {
                count++;
            }
        }
        return count;
    }

    static int groups(String text, int start, int end) {
        char separator = separator(text, start, end);
        int count = 1;
        for (int i = start; i < end && separator != 0; i++) {
            if (text.charAt(i) == separator) {
                count++;
            }
        }
        return count;
    }

    /** Digits in group {@code index} (0-based), or -1 when there is no such group. */
    static int groupLength(String text, int start, int end, int index) {
        int group = 0;
        int length = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                if (group == index) {
                    length++;
                }
            } else if (c != '+') {
                if (group == index) {
                    return length;
                }
                group++;
            }
        }
        return group == index ? length : -1;
    }

    /** The {@code n}th digit (0-based) as a number. */
    static int digitAt(String text, int start, int end, int n) {
        int seen = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (isDigit(c) && seen++ == n) {
                return c - '0';
            }
        }
        return -1;
    }

    /**
     * A payment card number: 13 to 19 digits, single group or separated by spaces or hyphens, issuer digit of a card
     * network (2 to 6, or 9 for Korean domestic cards), and a valid Luhn check digit.
     */
    static boolean isCard(String text, int start, int end) {
        if (text.charAt(start) == '+' || separator(text, start, end) == '.') {
            return false;
        }
        int digits = digits(text, start, end);
        int issuer = digitAt(text, start, end, 0);
        return digits >= 13 && digits <= 19 && ((issuer >= 2 && issuer <= 6) || issuer == 9) && luhn(text, start, end);
    }

    /**
     * A Korean resident registration number: {@code YYMMDD-GNNNNNN} or the same 13 digits without the hyphen, with a
     * real month and day and a sex/century digit G of 1 to 8 (nationals and registered foreigners).
     */
    static boolean isResidentNumber(String text, int start, int end) {
        if (text.charAt(start) == '+' || digits(text, start, end) != 13) {
            return false;
        }
        int groups = groups(text, start, end);
        boolean shaped = groups == 1
                || (groups == 2 && separator(text, start, end) == '-' && groupLength(text, start, end, 0) == 6);
        if (!shaped) {
            return false;
        }
        int month = digitAt(text, start, end, 2) * 10 + digitAt(text, start, end, 3);
        int day = digitAt(text, start, end, 4) * 10 + digitAt(text, start, end, 5);
        int sex = digitAt(text, start, end, 6);
        return month >= 1 && month <= 12 && day >= 1 && day <= 31 && sex >= 1 && sex <= 8;
    }

    /**
     * A phone number: E.164 ({@code +} and 8 to 15 digits, in any grouping), or a Korean number starting with 0
     * written in three groups (area or carrier code of 2 to 4 digits, 3 or 4, then 4: {@code 010-1234-5678}, {@code
     * 02-123-4567}), or a mobile number written as one group ({@code 01012345678}).
     */
    static boolean isPhone(String text, int start, int end) {
        int digits = digits(text, start, end);
        if (text.charAt(start) == '+') {
            return digits >= 8 && digits <= 15;
        }
        if (digitAt(text, start, end, 0) != 0) {
            return false;
        }
        int groups = groups(text, start, end);
        if (groups == 1) {
            int carrier = digitAt(text, start, end, 2);
            return (digits == 10 || digits == 11)
                    && digitAt(text, start, end, 1) == 1
                    && (carrier <= 1 || carrier >= 6);
        }
        if (groups != 3) {
            return false;
        }
        int first = groupLength(text, start, end, 0);
        int second = groupLength(text, start, end, 1);
        return first >= 2 && first <= 4 && (second == 3 || second == 4) && groupLength(text, start, end, 2) == 4;
    }

    private static boolean luhn(String text, int start, int end) {
        int sum = 0;
        boolean doubled = false;
        for (int i = end - 1; i >= start; i--) {
            char c = text.charAt(i);
            if (!isDigit(c)) {
                continue;
            }
            int digit = c - '0';
            if (doubled) {
                digit *= 2;
                if (digit > 9) {
                    digit -= 9;
                }
            }
            sum += digit;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSeparator(char c) {
        return c == ' ' || c == '-' || c == '.';
    }
}
