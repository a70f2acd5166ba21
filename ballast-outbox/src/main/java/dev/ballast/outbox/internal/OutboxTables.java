package dev.ballast.outbox.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/** Table names for one prefix and the SQL of one dialect. Immutable. */
public final class OutboxTables {

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,30}");
    static final String DEFAULT_PREFIX = "ballast_";
    static final String EVENT_COLUMNS = "id, event_id, request_id, aggregate_type, aggregate_id, aggregate_seq,"
            + " event_type, payload, headers, content_hash, key_version, created_at, attempts, attempt_log";

    final OutboxDialect dialect;
    final String prefix;
    final String outbox;
    final String aggregate;
    final String dlq;
    final String request;

    private OutboxTables(OutboxDialect dialect, String prefix) {
        this.dialect = dialect;
        this.prefix = prefix;
        this.outbox = prefix + "outbox";
        this.aggregate = prefix + "outbox_aggregate";
        this.dlq = prefix + "outbox_dlq";
        this.request = prefix + "outbox_request";
    }

    /**
     * Tables named with {@code prefix} on the database behind {@code connection}.
     *
     * @throws IllegalArgumentException if the prefix is not a plain identifier
     */
    public static OutboxTables of(Connection connection, String prefix) throws SQLException {
        return new OutboxTables(OutboxDialect.of(connection), validatePrefix(prefix));
    }

    /** Checks that {@code prefix} is a plain identifier; throws {@link IllegalArgumentException} naming it if not. */
    public static String validatePrefix(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("Outbox table prefix must be letters, digits and '_' (at most 31, not"
                    + " starting with a digit), was '" + prefix + "'");
        }
        return prefix;
    }

    /** Runs the shipped schema script for this dialect with this prefix; idempotent (IF NOT EXISTS throughout). */
    public void createSchema(Connection connection) throws SQLException {
        String script = script(dialect).replace(DEFAULT_PREFIX, prefix);
        try (Statement statement = connection.createStatement()) {
            for (String sql : script.split(";\\s*\\n")) {
                String trimmed = stripComments(sql).trim();
                if (!trimmed.isEmpty()) {
                    statement.execute(trimmed);
                }
            }
        }
    }

    /** The channel PostgreSQL NOTIFY uses to wake relays. */
    String channel() {
        return prefix + "outbox";
    }

    boolean isPostgres() {
        return dialect == OutboxDialect.POSTGRESQL;
    }

    /** The shipped scripts of this dialect, in version order (V1 the outbox, V2 the requests of idempotent commands). */
    static String script(OutboxDialect dialect) {
        return script(dialect, "V1__ballast_outbox.sql") + ";\n" + script(dialect, "V2__ballast_outbox_request.sql");
    }

    private static String script(OutboxDialect dialect, String file) {
        String path = "/db/ballast/outbox/" + dialect.folder + "/" + file;
        try (InputStream in = OutboxTables.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Outbox schema script missing from the jar: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stripComments(String sql) {
        StringBuilder kept = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (!line.trim().startsWith("--")) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString();
    }
}
