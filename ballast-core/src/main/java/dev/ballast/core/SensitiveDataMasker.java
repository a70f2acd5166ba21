package dev.ballast.core;

import dev.ballast.core.internal.PiiMasker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Hides personal data in text before it is logged or traced. The executor's policies pass every failure message
 * through {@link #mask} and every {@link TaskContext#id()} through {@link #maskId}. Implementations must be thread-safe,
 * fast (they run on log paths), and return the input itself when there is nothing to mask.
 *
 * <p>The {@link #defaults() default} masks, wherever they stand alone in the text:
 *
 * <ul>
 *   <li>card numbers that pass the Luhn check (13 to 19 digits, issuer digit 2 to 6 or 9, optionally in groups
 *       separated by spaces or hyphens): {@code 4111-1111-1111-1111} becomes {@code ****-****-****-1111};
 *   <li>Korean resident registration numbers ({@code YYMMDD-GNNNNNN}, or the 13 digits without the hyphen) entirely:
 *       {@code ******-*******};
 *   <li>phone numbers (E.164 {@code +8210...}; Korean numbers in three groups such as {@code 010-1234-5678} or
 *       {@code 02-123-4567}; mobile numbers written as one group) but their last four digits;
 *   <li>the local part of e-mail addresses but its first character: {@code j*******@example.com};
 *   <li>numbers written after an account field name ({@code account 110-234-567890}, {@code "accountNo":"..."}, see
 *       {@link #DEFAULT_ACCOUNT_FIELDS}) but their last four digits.
 * </ul>
 *
 * It never touches identifiers: anything made of ASCII letters, digits and underscores joined by single hyphens or
 * dots (UUIDs, ULIDs, {@code O-4111111111111111}, trace ids) is left whole, and {@link #maskId} returns ids unchanged
 * unless built with {@link Builder#maskIds(boolean) maskIds(true)}: ids are how log lines, traces and tickets are
 * correlated.
 */
@FunctionalInterface
public interface SensitiveDataMasker {

    /** Field names whose number values the default masker treats as account numbers (matched ignoring case). */
    List<String> DEFAULT_ACCOUNT_FIELDS =
            List.of("account", "accountNo", "accountNumber", "acctNo", "bankAccount", "계좌", "계좌번호");

    /** Masks sensitive data in {@code text}. */
    String mask(String text);

    /**
     * Masks a {@link TaskContext#id()} for logs, the MDC and spans. Unless overridden, the same as {@link #mask}; the
     * built-in maskers return the id unchanged unless built with {@link Builder#maskIds(boolean) maskIds(true)}.
     */
    default String maskId(String id) {
        return mask(id);
    }

    /** The default rules listed above; ids unchanged. */
    static SensitiveDataMasker defaults() {
        return PiiMasker.DEFAULT;
    }

    /** A builder starting from the default rules. */
    static Builder builder() {
        return new Builder();
    }

    /** A masker that changes nothing, ids included. */
    static SensitiveDataMasker none() {
        return text -> text;
    }

    /** Builds a configured built-in masker; each setter validates its value. Not thread-safe; the masker is. */
    final class Builder {
        /** Most account field names. */
        public static final int MAX_ACCOUNT_FIELDS = 32;

        private boolean cards = true;
        private boolean residentNumbers = true;
        private boolean phones = true;
        private boolean emails = true;
        private List<String> accountFields = DEFAULT_ACCOUNT_FIELDS;
        private int minDigitRun;
        private boolean ids;

        private Builder() {}

        /** Whether Luhn-valid card numbers are masked; default true. */
        public Builder cardNumbers(boolean enabled) {
            this.cards = enabled;
            return this;
        }

        /** Whether Korean resident registration numbers are masked; default true. */
        public Builder residentRegistrationNumbers(boolean enabled) {
            this.residentNumbers = enabled;
            return this;
        }

        /** Whether phone numbers are masked; default true. */
        public Builder phoneNumbers(boolean enabled) {
            this.phones = enabled;
            return this;
        }

        /** Whether e-mail local parts are masked; default true. */
        public Builder emails(boolean enabled) {
            this.emails = enabled;
            return this;
        }

        /**
         * Field names whose number values are account numbers, replacing {@link #DEFAULT_ACCOUNT_FIELDS}; empty for
         * none. Each name is 1 to 64 letters, digits or underscores; at most {@value #MAX_ACCOUNT_FIELDS} names.
         */
        public Builder accountFields(Collection<String> names) {
            Objects.requireNonNull(names, "names");
            if (names.size() > MAX_ACCOUNT_FIELDS) {
                throw new IllegalArgumentException(
                        "accountFields holds at most " + MAX_ACCOUNT_FIELDS + " names, was " + names.size());
            }
            List<String> checked = new ArrayList<>(names.size());
            for (String name : names) {
                checked.add(requireFieldName(name));
            }
            this.accountFields = List.copyOf(checked);
            return this;
        }

        /**
         * Also masks every standalone number of at least {@code minDigits} digits but its last four (a catch-all for
         * shops whose messages carry bare account numbers); 0, the default, turns it off.
         *
         * @param minDigits 0, or 4 to 64
         */
        public Builder digitRuns(int minDigits) {
            if (minDigits != 0 && (minDigits < 4 || minDigits > 64)) {
                throw new IllegalArgumentException("digitRuns minDigits must be 0 (off) or 4 to 64, was " + minDigits);
            }
            this.minDigitRun = minDigits;
            return this;
        }

        /** Whether {@link SensitiveDataMasker#maskId} masks task ids with the same rules; default false. */
        public Builder maskIds(boolean enabled) {
            this.ids = enabled;
            return this;
        }

        /** An immutable, thread-safe masker. */
        public SensitiveDataMasker build() {
            return new PiiMasker(
                    new PiiMasker.Rules(cards, residentNumbers, phones, emails, accountFields, minDigitRun, ids));
        }

        private static String requireFieldName(String name) {
            if (name == null || name.isEmpty() || name.length() > 64) {
                throw new IllegalArgumentException(
                        "accountFields names must be 1 to 64 characters long, was '" + name + "'");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (!Character.isLetterOrDigit(c) && c != '_') {
                    throw new IllegalArgumentException("accountFields names may hold only letters, digits and '_';"
                            + " '" + name + "' has '" + c + "' at index " + i);
                }
            }
            return name;
        }
    }
}
