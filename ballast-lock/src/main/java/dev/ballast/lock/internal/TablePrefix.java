package dev.ballast.lock.internal;

import java.util.regex.Pattern;

/** Validation of the configurable table-name prefix, so configuration can never inject SQL. */
public final class TablePrefix {

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");

    private TablePrefix() {}

    /** {@code prefix + name}, after checking the prefix is a plain identifier. */
    public static String table(String prefix, String name) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("Lock table prefix must be letters, digits and '_' (at most 41, not"
                    + " starting with a digit), was '" + prefix + "'");
        }
        return prefix + name;
    }
}
