package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The inbox's SQL for one dialect and table prefix. Immutable; every method runs on the caller's connection. */
public final class InboxStore {

    /** The shipped scripts, in the order they run (version 2 upgrades a version-1 schema). */
    static final List<String> SCRIPTS = List.of("V1__ballast_inbox.sql", "V2__ballast_inbox_one_row.sql");

    private final OutboxDialect dialect;
    private final String prefix;
    private final String insertInbox;
    private final String recordAndReadPrevious;
    private final String previousSequence;
    private final String insertDead;
    private final String purge;

    private InboxStore(OutboxDialect dialect, String prefix) {
        this.dialect = dialect;
        this.prefix = prefix;
        String inbox = prefix + "inbox";
        String columns = "consumer, event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, received_at";
        this.insertInbox = switch (dialect) {
            case POSTGRESQL ->
                "INSERT INTO " + inbox + " (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?)" + " ON CONFLICT DO NOTHING";
            case MARIADB -> "INSERT IGNORE INTO " + inbox + " (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
            case H2 ->
                "INSERT INTO " + inbox + " (" + columns + ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM DUAL WHERE NOT"
                        + " EXISTS (SELECT 1 FROM " + inbox + " WHERE consumer = ?1 AND event_id = ?2)";
        };
        // PostgreSQL: the event's row and the read of its aggregate's highest earlier sequence number in one round
        // trip; the read runs on the statement's snapshot, which does not hold the row being inserted. The read comes
        // first in the select list, so it runs before the insert: the backward index scan then starts at the
        // aggregate's newest committed row, instead of stepping over the new row's index entry (one heap fetch fewer
        // per event; same snapshot, so the same answer)
        this.recordAndReadPrevious = "WITH recorded AS (INSERT INTO " + inbox + " (" + columns + ") VALUES (?, ?, ?,"
                + " ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1) SELECT (SELECT MAX(aggregate_seq) FROM " + inbox
                + " WHERE consumer = ? AND aggregate_type = ? AND aggregate_id = ?), (SELECT COUNT(*) FROM recorded)";
        // MariaDB and H2, after the insert: the highest sequence number of the aggregate's other events
        this.previousSequence = "SELECT MAX(aggregate_seq) FROM " + inbox + " WHERE consumer = ? AND aggregate_type = ?"
                + " AND aggregate_id = ? AND event_id <> ?";
        this.insertDead = "INSERT INTO " + prefix + "inbox_dlq (consumer, event_id, reason, detail, headers, payload,"
                + " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
        // every row of this consumer received before the cutoff, each aggregate's newest too (see Inbox.purgeExpired),
        // the oldest first along the received_at index
        String expired = " WHERE consumer = ? AND received_at < ?";
        this.purge = switch (dialect) {
            case MARIADB -> "DELETE FROM " + inbox + expired + " ORDER BY received_at LIMIT ?";
            case POSTGRESQL ->
                "DELETE FROM " + inbox + " WHERE ctid IN (SELECT ctid FROM " + inbox + expired
                        + " ORDER BY received_at LIMIT ?)";
            case H2 -> "DELETE FROM " + inbox + expired + " FETCH FIRST ? ROWS ONLY";
        };
    }

    /** The store for the database behind {@code connection}; validates the prefix. */
    public static InboxStore of(Connection connection, String prefix) throws SQLException {
        return new InboxStore(OutboxDialect.of(connection), OutboxTables.validatePrefix(prefix));
    }

    /**
     * Every table {@link #createSchema} creates with {@code prefix}: the events consumed, the aggregates' table of the
     * first script (no longer written since the second) and the dead letters; the one list a test or a tool that drops
     * the inbox uses.
     *
     * @throws IllegalArgumentException if the prefix is not a plain identifier
     */
    public static List<String> tableNames(String prefix) {
        OutboxTables.validatePrefix(prefix);
        return List.of(prefix + "inbox", prefix + "inbox_aggregate", prefix + "inbox_dlq");
    }

    /** Runs the shipped inbox script for this dialect with this prefix; idempotent. */
    public void createSchema(Connection connection) throws SQLException {
        OutboxTables.runInOrder(connection, "db/ballast/inbox/" + dialect.folder, SCRIPTS, prefix);
    }

    /**
     * Records the event for {@code consumer} and reads the highest sequence number among its aggregate's events
     * recorded before; returns -1 if the event was recorded before (a repeat), else that number (0 if none). One row
     * written per event (a concurrent delivery of the same event waits on its key and then reads as a repeat); one
     * round trip on PostgreSQL, two on MariaDB and H2. The earlier events read are those committed when the event is
     * recorded: one of the aggregate's events being handled by another consumer at that moment is not among them.
     */
    public long recordAndReadPrevious(
            Connection connection,
            String consumer,
            String eventId,
            String aggregateType,
            String aggregateId,
            long sequence,
            String eventType,
            Instant now)
            throws SQLException {
        if (dialect != OutboxDialect.POSTGRESQL) {
            try (PreparedStatement insert = connection.prepareStatement(insertInbox)) {
                bindEvent(insert, consumer, eventId, aggregateType, aggregateId, sequence, eventType, now);
                if (insert.executeUpdate() != 1) {
                    return -1;
                }
            }
            try (PreparedStatement select = connection.prepareStatement(previousSequence)) {
                select.setString(1, consumer);
                select.setString(2, aggregateType);
                select.setString(3, aggregateId);
                select.setString(4, eventId);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    return row.getLong(1); // NULL (no earlier event) reads as 0
                }
            }
        }
        try (PreparedStatement statement = connection.prepareStatement(recordAndReadPrevious)) {
            bindEvent(statement, consumer, eventId, aggregateType, aggregateId, sequence, eventType, now);
            statement.setString(8, consumer);
            statement.setString(9, aggregateType);
            statement.setString(10, aggregateId);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                if (row.getLong(2) == 0) {
                    return -1;
                }
                return row.getLong(1); // NULL (no earlier event) reads as 0
            }
        }
    }

    /** The event's row: parameters 1-7 of {@code insertInbox} and of {@code recordAndReadPrevious}. */
    private static void bindEvent(
            PreparedStatement statement,
            String consumer,
            String eventId,
            String aggregateType,
            String aggregateId,
            long sequence,
            String eventType,
            Instant now)
            throws SQLException {
        statement.setString(1, consumer);
        statement.setString(2, eventId);
        statement.setString(3, aggregateType);
        statement.setString(4, aggregateId);
        statement.setLong(5, sequence);
        statement.setString(6, eventType);
        statement.setTimestamp(7, Timestamp.from(now));
    }

    /** Writes a consumer-side dead letter. */
    public void deadLetter(
            Connection connection,
            String consumer,
            @Nullable String eventId,
            String reason,
            String detail,
            Map<String, String> headers,
            byte[] payload,
            Instant now)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(insertDead)) {
            insert.setString(1, consumer);
            insert.setString(2, eventId);
            insert.setString(3, reason);
            insert.setString(4, detail.length() > 1000 ? detail.substring(0, 1000) : detail);
            insert.setString(5, Json.headers(headers));
            insert.setBytes(6, payload);
            insert.setTimestamp(7, Timestamp.from(now));
            insert.executeUpdate();
        }
    }

    /** Deletes at most {@code limit} of {@code consumer}'s inbox rows received before {@code cutoff}; returns how many. */
    public int purge(Connection connection, String consumer, Instant cutoff, int limit) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(purge)) {
            delete.setString(1, consumer);
            delete.setTimestamp(2, Timestamp.from(cutoff));
            delete.setInt(3, limit);
            return delete.executeUpdate();
        }
    }

    /** The table prefix. */
    public String prefix() {
        return prefix;
    }
}
