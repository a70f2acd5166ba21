package dev.ballast.core.sql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A SQL script split into its statements, as the Ballast modules run their shipped schema scripts
 * ({@code db/ballast/<module>/<database>/V<n>__*.sql}) when they are told to create their tables. Immutable and
 * thread-safe.
 *
 * <p>Splitting: a statement ends at a {@code ;} that is outside a string literal ({@code '...'}, a quote inside
 * written {@code ''}), a quoted identifier ({@code "..."} or {@code `...`}), a PostgreSQL dollar-quoted body
 * ({@code $$...$$} or {@code $tag$...$tag$}, e.g. a function body) and a comment. Comments ({@code --} to the end of
 * the line, and block comments from slash-star to star-slash, not nested) are removed; text inside literals, quoted identifiers and dollar-quoted
 * bodies is kept as written. Statements left empty (only comments or whitespace, or {@code ;;}) are dropped; the last
 * statement needs no {@code ;}. Not understood: backslash escapes in string literals (MySQL/MariaDB's {@code \'}:
 * write {@code ''}) and client directives such as {@code DELIMITER}.
 *
 * <p>The shipped scripts: a module ships several per database, {@code V1__…}, {@code V2__…}, which must run in that
 * order, each once before the next (a later one builds on the tables of an earlier one: the inbox's V2 indexes and
 * fills the V1 table, the lock's V2 adds a column to the V1 mode table); Flyway with the folder as a location does
 * that, and so does each module's own {@code createSchema}/{@code createTable}. Every shipped script except the lock
 * module's V2 may safely run again: they create tables and indexes with {@code IF NOT EXISTS}, and the inbox's V2
 * inserts only rows that are missing ({@code INSERT … WHERE NOT EXISTS}), so a second run changes nothing. The lock's
 * V2 ({@code V2__ballast_lock_mode_failures.sql}, an {@code ALTER TABLE … ADD COLUMN} without {@code IF NOT EXISTS})
 * fails when run again, with the database's "duplicate column" error (the resilient lock strategy, built with {@code
 * createTable(true)}, adds that column itself when it is missing, and only then). A prefix is checked against the
 * script's own names by {@link #withTablePrefix}: give every script of a module the same prefix.
 *
 * {@snippet :
 * SqlScript.load(MyStore.class.getClassLoader(), "db/my/postgresql/V1__my_tables.sql")
 *         .withTablePrefix("billing_") // ballast_x becomes billing_x
 *         .run(connection);
 * }
 */
public final class SqlScript {

    /** The table prefix the shipped scripts are written with. */
    public static final String DEFAULT_PREFIX = "ballast_";

    /**
     * The longest name a renamed table, index or constraint may have: PostgreSQL's limit (it cuts longer identifiers to
     * 63 characters, so two names can become one); MariaDB's and MySQL's is 64, H2's longer.
     */
    public static final int MAX_NAME_LENGTH = 63;

    private static final Pattern PREFIX = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)?");

    private final String name;
    private final List<String> statements;

    private SqlScript(String name, List<String> statements) {
        this.name = name;
        this.statements = List.copyOf(statements);
    }

    /**
     * Reads the script at {@code path} (a class-path resource name such as {@code db/ballast/outbox/h2/V1__x.sql}, no
     * leading {@code /}) through {@code loader}, as UTF-8.
     *
     * @throws IllegalStateException naming the path if the class path holds no such resource
     * @throws UncheckedIOException if it cannot be read
     */
    public static SqlScript load(ClassLoader loader, String path) {
        Objects.requireNonNull(loader, "loader");
        String resource = path.startsWith("/") ? path.substring(1) : path;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("SQL script " + resource + " is not on the class path");
            }
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the SQL script " + resource, e);
        }
    }

    /**
     * Splits {@code sql} into statements.
     *
     * @param name what the script is called in error messages, e.g. its path
     * @throws IllegalArgumentException naming the script if a literal, quoted identifier, dollar-quoted body or block
     *     comment is not closed
     */
    public static SqlScript parse(String name, String sql) {
        return new SqlScript(name, new Splitter(name, sql).split());
    }

    /** What this script is called in error messages: its class-path resource name when {@link #load loaded}. */
    public String name() {
        return name;
    }

    /** The statements in order, without comments, trimmed, none empty, none ending with {@code ;}. */
    public List<String> statements() {
        return statements;
    }

    /**
     * This script with each identifier that starts with {@value #DEFAULT_PREFIX} (the prefix the shipped scripts use)
     * starting with {@code prefix} instead, e.g. {@code ballast_outbox} becoming {@code billing_outbox}, in quoted
     * identifiers and dollar-quoted bodies too (a function body names tables); string literals ({@code '...'}) are left
     * alone. Checked before anything runs, so that a bad prefix never leaves half a schema behind: the prefix must be
     * empty or a plain identifier (a letter or {@code _}, then letters, digits and {@code _}), and every renamed name
     * must stay within {@value #MAX_NAME_LENGTH} characters, so the longest prefix allowed is {@value #MAX_NAME_LENGTH}
     * minus the length of the script's longest name after {@value #DEFAULT_PREFIX} (41 for the outbox scripts, whose
     * longest name is {@code ballast_outbox_aggregate_ready}). Names the database makes up itself (PostgreSQL's
     * {@code <table>_pkey}) are not checked: the database shortens those.
     *
     * @throws IllegalArgumentException naming the prefix and the rule it breaks, and for a too-long prefix the name that
     *     would be too long and the longest prefix this script allows
     */
    public SqlScript withTablePrefix(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("Table prefix must be empty or a letter or '_' followed by letters,"
                    + " digits and '_' (not starting with a digit), was '" + prefix + "'");
        }
        if (prefix.equals(DEFAULT_PREFIX)) {
            return this;
        }
        List<String> renamed = new ArrayList<>(statements.size());
        String longest = "";
        for (String statement : statements) {
            renamed.add(Splitter.renameIdentifiers(statement, prefix));
            String candidate = Splitter.longestPrefixedName(statement);
            if (candidate.length() > longest.length()) {
                longest = candidate;
            }
        }
        int suffix = longest.length() - DEFAULT_PREFIX.length();
        if (!longest.isEmpty() && prefix.length() + suffix > MAX_NAME_LENGTH) {
            String renamedName = prefix + longest.substring(DEFAULT_PREFIX.length());
            throw new IllegalArgumentException("Table prefix must be at most " + (MAX_NAME_LENGTH - suffix)
                    + " characters for " + name + ", was '" + prefix + "' (" + prefix.length() + "): " + longest
                    + " would be named " + renamedName + ", " + renamedName.length() + " characters, more than the "
                    + MAX_NAME_LENGTH + " PostgreSQL keeps");
        }
        return new SqlScript(name, renamed);
    }

    /**
     * Executes the statements in order on {@code connection}, in its current transaction mode; stops at the first that
     * fails.
     *
     * @throws SQLException of the failed statement, its message prefixed with the script's name and the statement's
     *     number (from 1), its SQL state and vendor code kept, the driver's exception as its cause
     */
    public void run(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (int i = 0; i < statements.size(); i++) {
                try {
                    statement.execute(statements.get(i));
                } catch (SQLException e) {
                    throw new SQLException(
                            "Statement " + (i + 1) + " of " + statements.size() + " in " + name + " failed: "
                                    + e.getMessage(),
                            e.getSQLState(),
                            e.getErrorCode(),
                            e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "SqlScript[" + name + ", " + statements.size() + " statements]";
    }

    /** One pass over the text; not thread-safe, one per parse. */
    private static final class Splitter {

        private final String name;
        private final String sql;
        private final List<String> statements = new ArrayList<>();
        private final StringBuilder current = new StringBuilder();
        private int at;

        Splitter(String name, String sql) {
            this.name = name;
            this.sql = sql;
        }

        List<String> split() {
            while (at < sql.length()) {
                char c = sql.charAt(at);
                if (c == ';') {
                    end();
                    at++;
                } else if (c == '-' && next() == '-') {
                    int eol = sql.indexOf('\n', at);
                    at = eol < 0 ? sql.length() : eol; // the newline stays: it separates what it separated
                } else if (c == '/' && next() == '*') {
                    int close = sql.indexOf("*/", at + 2);
                    if (close < 0) {
                        throw unclosed("block comment");
                    }
                    current.append(' ');
                    at = close + 2;
                } else if (c == '\'' || c == '"' || c == '`') {
                    copyQuoted(c);
                } else if (c == '$') {
                    String tag = dollarTag();
                    if (tag != null) {
                        copyDollarQuoted(tag);
                    } else {
                        current.append(c);
                        at++;
                    }
                } else {
                    current.append(c);
                    at++;
                }
            }
            end();
            return statements;
        }

        private char next() {
            return at + 1 < sql.length() ? sql.charAt(at + 1) : '\0';
        }

        /** Copies a literal or quoted identifier, its closing quote doubled inside it. */
        private void copyQuoted(char quote) {
            int start = at;
            int i = at + 1;
            while (true) {
                int close = sql.indexOf(quote, i);
                if (close < 0) {
                    at = start;
                    throw unclosed(quote == '\'' ? "string literal" : "quoted identifier");
                }
                if (close + 1 < sql.length() && sql.charAt(close + 1) == quote) {
                    i = close + 2; // a doubled quote stands for itself
                } else {
                    current.append(sql, start, close + 1);
                    at = close + 1;
                    return;
                }
            }
        }

        private void copyDollarQuoted(String tag) {
            int close = sql.indexOf(tag, at + tag.length());
            if (close < 0) {
                throw unclosed("dollar-quoted body " + tag);
            }
            current.append(sql, at, close + tag.length());
            at = close + tag.length();
        }

        /** The {@code $tag$} opening at {@code at}, or null: not after an identifier character, not {@code $1}. */
        private @Nullable String dollarTag() {
            if (at > 0 && isIdentifierPart(sql.charAt(at - 1))) {
                return null; // PostgreSQL allows $ inside an identifier (a$b)
            }
            int i = at + 1;
            if (i < sql.length() && Character.isDigit(sql.charAt(i))) {
                return null; // a positional parameter $1
            }
            while (i < sql.length() && isIdentifierPart(sql.charAt(i)) && sql.charAt(i) != '$') {
                i++;
            }
            return i < sql.length() && sql.charAt(i) == '$' ? sql.substring(at, i + 1) : null;
        }

        private void end() {
            String statement = current.toString().strip();
            if (!statement.isEmpty()) {
                statements.add(statement);
            }
            current.setLength(0);
        }

        private IllegalArgumentException unclosed(String what) {
            int line = 1;
            for (int i = 0; i < at && i < sql.length(); i++) {
                if (sql.charAt(i) == '\n') {
                    line++;
                }
            }
            return new IllegalArgumentException(
                    "SQL script " + name + ": " + what + " opened on line " + line + " is not closed");
        }

        /**
         * {@code statement} (comment-free, as split) with identifiers starting with the default prefix renamed; text
         * in string literals is copied unchanged.
         */
        static String renameIdentifiers(String statement, String prefix) {
            StringBuilder out = new StringBuilder(statement.length());
            int i = 0;
            while (i < statement.length()) {
                char c = statement.charAt(i);
                if (c == '\'') {
                    int end = literalEnd(statement, i);
                    out.append(statement, i, end);
                    i = end;
                } else if (statement.startsWith(DEFAULT_PREFIX, i)
                        && (i == 0 || !isWordPart(statement.charAt(i - 1)))) {
                    out.append(prefix);
                    i += DEFAULT_PREFIX.length();
                } else {
                    out.append(c);
                    i++;
                }
            }
            return out.toString();
        }

        /**
         * The longest identifier in {@code statement} (comment-free, as split) that {@link #renameIdentifiers} renames,
         * as written; empty if none. String literals are skipped as there.
         */
        static String longestPrefixedName(String statement) {
            String longest = "";
            int i = 0;
            while (i < statement.length()) {
                char c = statement.charAt(i);
                if (c == '\'') {
                    i = literalEnd(statement, i);
                } else if (statement.startsWith(DEFAULT_PREFIX, i)
                        && (i == 0 || !isWordPart(statement.charAt(i - 1)))) {
                    int end = i + DEFAULT_PREFIX.length();
                    while (end < statement.length() && isWordPart(statement.charAt(end))) {
                        end++;
                    }
                    if (end - i > longest.length()) {
                        longest = statement.substring(i, end);
                    }
                    i = end;
                } else {
                    i++;
                }
            }
            return longest;
        }

        /**
         * Where the string literal opening at {@code open} ends (after its closing quote, a doubled quote inside it); the
         * statement's end if it is not closed (an unbalanced quote inside a dollar-quoted body: the rest is taken as it).
         */
        private static int literalEnd(String statement, int open) {
            int close = open + 1;
            while (true) {
                close = statement.indexOf('\'', close);
                if (close < 0) {
                    return statement.length();
                }
                if (close + 1 < statement.length() && statement.charAt(close + 1) == '\'') {
                    close += 2;
                } else {
                    return close + 1;
                }
            }
        }

        /** A letter, digit or {@code _}: before {@code ballast_}, it makes it part of a longer name. */
        private static boolean isWordPart(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }

        private static boolean isIdentifierPart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '$';
        }
    }
}
