package dev.ballast.outbox.internal;

import dev.ballast.core.sql.SqlScript;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;

/** Table names for one prefix and the SQL of one dialect. Immutable. */
public final class OutboxTables {

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,30}");
    static final String EVENT_COLUMNS = "id, event_id, request_id, aggregate_type, aggregate_id, aggregate_seq,"
            + " event_type, payload, headers, content_hash, key_version, created_at, attempts, attempt_log";

    final OutboxDialect dialect;
    final String prefix;
    final String outbox;
    final String aggregate;
    final String dlq;
    final String request;
    final String control;

    private OutboxTables(OutboxDialect dialect, String prefix) {
        this.dialect = dialect;
        this.prefix = prefix;
        List<String> names = names(prefix);
        this.outbox = names.get(0);
        this.aggregate = names.get(1);
        this.dlq = names.get(2);
        this.request = names.get(3);
        this.control = names.get(4);
    }

    /**
     * Every table {@link #createSchema} creates with {@code prefix}, in the order of its scripts (the events, the
     * aggregates, the dead letters, the requests of idempotent commands, the relays' shared pause): the one list a test
     * or a tool that drops the outbox uses.
     *
     * @throws IllegalArgumentException if the prefix is not a plain identifier
     */
    public static List<String> names(String prefix) {
        validatePrefix(prefix);
        return List.of(
                prefix + "outbox",
                prefix + "outbox_aggregate",
                prefix + "outbox_dlq",
                prefix + "outbox_request",
                prefix + "outbox_control");
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

    /**
     * Runs the shipped schema scripts for this dialect with this prefix, in version order (V1 the outbox, V2 the requests
     * of idempotent commands, V3 the relays' shared pause); idempotent (IF NOT EXISTS throughout).
     */
    public void createSchema(Connection connection) throws SQLException {
        runInOrder(
                connection,
                "db/ballast/outbox/" + dialect.folder,
                List.of("V1__ballast_outbox.sql", "V2__ballast_outbox_request.sql", "V3__ballast_outbox_control.sql"),
                prefix);
    }

    /**
     * Runs the scripts {@code files} of the class-path {@code folder} in order with {@code prefix}, after checking the
     * prefix against every one of them (so a prefix too long for a later script leaves no earlier one run).
     */
    static void runInOrder(Connection connection, String folder, List<String> files, String prefix)
            throws SQLException {
        List<SqlScript> scripts = files.stream()
                .map(file -> SqlScript.load(OutboxTables.class.getClassLoader(), folder + "/" + file)
                        .withTablePrefix(prefix))
                .toList();
        for (SqlScript script : scripts) {
            script.run(connection);
        }
    }

    /**
     * The moment the oldest pending event started to wait for a relay: its append, or for an event a person replayed
     * from the dead letters, the replay (a letter replayed after two days is not two days late for the relay, and must
     * not page anyone as a stuck backlog). One row, one column, NULL when nothing is pending.
     */
    String oldestPendingSince() {
        return "SELECT MIN(CASE WHEN d.resolved_at > o.created_at THEN d.resolved_at ELSE o.created_at END) FROM "
                + outbox + " o LEFT JOIN " + dlq + " d ON d.event_id = o.event_id AND d.state = 'REPLAYED'"
                + " WHERE o.status = 'PENDING'";
    }

    /**
     * Events of one status ({@code ?}), counted through the {@code (status, published_at)} index: meant for
     * {@code PENDING} and {@code DEAD}, which hold the backlog and the dead-lettered events. Published rows are never
     * counted on a schedule: retention keeps days of them (millions in a busy service), and a count reads every one.
     */
    String countByStatus() {
        return "SELECT COUNT(*) FROM " + outbox + " WHERE status = ?";
    }

    /**
     * Pending events over the aggregates that have any, found through the {@code next_attempt_at} index: an aggregate
     * with nothing pending is parked at {@link OutboxDialect#IDLE}, so the aggregates of the past (one row each,
     * kept for their sequence) are not read.
     */
    String pendingOverBusyAggregates() {
        return "SELECT COALESCE(SUM(pending), 0) FROM " + aggregate + " WHERE next_attempt_at < " + OutboxDialect.IDLE;
    }

    /**
     * Relays' claims on aggregates with pending events, by owner (owner, aggregates, latest lease end), through the
     * {@code next_attempt_at} index as {@link #pendingOverBusyAggregates}. A lease left on an aggregate that has
     * nothing pending any more claims nothing and is not listed.
     */
    String leasesByOwner() {
        return "SELECT lease_owner, COUNT(*), MAX(lease_until) FROM " + aggregate + " WHERE next_attempt_at < "
                + OutboxDialect.IDLE + " AND lease_owner IS NOT NULL AND lease_until IS NOT NULL"
                + " GROUP BY lease_owner ORDER BY lease_owner";
    }

    /** The channel PostgreSQL NOTIFY uses to wake relays. */
    String channel() {
        return prefix + "outbox";
    }

    boolean isPostgres() {
        return dialect == OutboxDialect.POSTGRESQL;
    }
}
