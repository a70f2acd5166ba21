package dev.ballast.outbox.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The inbox's SQL for one dialect and table prefix. Immutable; every method runs on the caller's connection. */
public final class InboxStore {

    private final OutboxDialect dialect;
    private final String prefix;
    private final String insertInbox;
    private final String insertAggregate;
    private final String selectAggregate;
    private final String updateAggregate;
    private final String advanceAggregate;
    private final String insertFirst;
    private final String recordAndAdvance;
    private final String insertDead;
    private final String purge;

    private InboxStore(OutboxDialect dialect, String prefix) {
        this.dialect = dialect;
        this.prefix = prefix;
        String inbox = prefix + "inbox";
        String aggregate = prefix + "inbox_aggregate";
        String columns = "consumer, event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, received_at";
        this.insertInbox = switch (dialect) {
            case POSTGRESQL ->
                "INSERT INTO " + inbox + " (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?)" + " ON CONFLICT DO NOTHING";
            case MARIADB -> "INSERT IGNORE INTO " + inbox + " (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
            case H2 ->
                "INSERT INTO " + inbox + " (" + columns + ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM DUAL WHERE NOT"
                        + " EXISTS (SELECT 1 FROM " + inbox + " WHERE consumer = ?1 AND event_id = ?2)";
        };
        String aggregateColumns = "consumer, aggregate_type, aggregate_id, last_seq";
        this.insertAggregate = switch (dialect) {
            case POSTGRESQL ->
                "INSERT INTO " + aggregate + " (" + aggregateColumns + ") VALUES (?, ?, ?, 0)"
                        + " ON CONFLICT DO NOTHING";
            case MARIADB -> "INSERT IGNORE INTO " + aggregate + " (" + aggregateColumns + ") VALUES (?, ?, ?, 0)";
            case H2 ->
                "INSERT INTO " + aggregate + " (" + aggregateColumns + ") SELECT ?1, ?2, ?3, 0 FROM DUAL WHERE"
                        + " NOT EXISTS (SELECT 1 FROM " + aggregate
                        + " WHERE consumer = ?1 AND aggregate_type = ?2 AND aggregate_id = ?3)";
        };
        this.selectAggregate = "SELECT last_seq FROM " + aggregate
                + " WHERE consumer = ? AND aggregate_type = ? AND aggregate_id = ? FOR UPDATE";
        this.updateAggregate = "UPDATE " + aggregate
                + " SET last_seq = ? WHERE consumer = ? AND aggregate_type = ? AND aggregate_id = ?";
        // PostgreSQL: one statement locks the row, raises last_seq and returns the value it had (the sub-select's row,
        // read under its lock, is the row before this update); no row yet → 0 rows, and insertFirst adds it
        this.advanceAggregate = "UPDATE " + aggregate + " AS a SET last_seq = GREATEST(a.last_seq, ?) FROM (SELECT"
                + " last_seq FROM " + aggregate + " WHERE consumer = ? AND aggregate_type = ? AND aggregate_id = ?"
                + " FOR UPDATE) AS before WHERE a.consumer = ? AND a.aggregate_type = ? AND a.aggregate_id = ?"
                + " RETURNING before.last_seq";
        this.insertFirst = "INSERT INTO " + aggregate + " (" + aggregateColumns + ") VALUES (?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING";
        // PostgreSQL: the event's row and the aggregate's advance in one round trip; the advance runs only if the row
        // was new (a duplicate changes nothing); (recorded, previous last_seq or null when the aggregate has no row)
        this.recordAndAdvance = "WITH recorded AS (INSERT INTO " + inbox + " (" + columns + ") VALUES (?, ?, ?, ?, ?,"
                + " ?, ?) ON CONFLICT DO NOTHING RETURNING 1), advanced AS (UPDATE " + aggregate + " AS a SET last_seq"
                + " = GREATEST(a.last_seq, ?) FROM (SELECT last_seq FROM " + aggregate + " WHERE consumer = ? AND"
                + " aggregate_type = ? AND aggregate_id = ? FOR UPDATE) AS before WHERE a.consumer = ? AND"
                + " a.aggregate_type = ? AND a.aggregate_id = ? AND EXISTS (SELECT 1 FROM recorded) RETURNING"
                + " before.last_seq) SELECT (SELECT COUNT(*) FROM recorded), (SELECT last_seq FROM advanced)";
        this.insertDead = "INSERT INTO " + prefix + "inbox_dlq (consumer, event_id, reason, detail, headers, payload,"
                + " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
        this.purge = switch (dialect) {
            case MARIADB -> "DELETE FROM " + inbox + " WHERE received_at < ? LIMIT ?";
            case POSTGRESQL ->
                "DELETE FROM " + inbox + " WHERE ctid IN (SELECT ctid FROM " + inbox
                        + " WHERE received_at < ? LIMIT ?)";
            case H2 -> "DELETE FROM " + inbox + " WHERE received_at < ? FETCH FIRST ? ROWS ONLY";
        };
    }

    /** The store for the database behind {@code connection}; validates the prefix. */
    public static InboxStore of(Connection connection, String prefix) throws SQLException {
        return new InboxStore(OutboxDialect.of(connection), OutboxTables.validatePrefix(prefix));
    }

    /** Runs the shipped inbox script for this dialect with this prefix; idempotent. */
    public void createSchema(Connection connection) throws SQLException {
        String path = "/db/ballast/inbox/" + dialect.folder + "/V1__ballast_inbox.sql";
        String script;
        try (InputStream in = InboxStore.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Inbox schema script missing from the jar: " + path);
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("ballast_", prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Statement statement = connection.createStatement()) {
            for (String sql : script.split(";\\s*\\n")) {
                StringBuilder kept = new StringBuilder();
                for (String line : sql.split("\n")) {
                    if (!line.trim().startsWith("--")) {
                        kept.append(line).append('\n');
                    }
                }
                if (!kept.toString().isBlank()) {
                    statement.execute(kept.toString().trim());
                }
            }
        }
    }

    /** Records the event for {@code consumer}; false if it was recorded before (a repeat). */
    private boolean record(
            Connection connection,
            String consumer,
            String eventId,
            String aggregateType,
            String aggregateId,
            long sequence,
            String eventType,
            Instant now)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(insertInbox)) {
            bindEvent(insert, consumer, eventId, aggregateType, aggregateId, sequence, eventType, now);
            return insert.executeUpdate() == 1;
        }
    }

    /**
     * Records the event (as {@link #record}) and, if it is new, raises its aggregate's highest seen sequence number (as
     * {@link #advance}); returns -1 for an event recorded before, else the aggregate's previous highest sequence (0 if
     * none). One round trip on PostgreSQL while the aggregate has its row.
     */
    public long recordAndAdvance(
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
            if (!record(connection, consumer, eventId, aggregateType, aggregateId, sequence, eventType, now)) {
                return -1;
            }
            return advance(connection, consumer, aggregateType, aggregateId, sequence);
        }
        try (PreparedStatement statement = connection.prepareStatement(recordAndAdvance)) {
            bindEvent(statement, consumer, eventId, aggregateType, aggregateId, sequence, eventType, now);
            bindAdvance(statement, 8, consumer, aggregateType, aggregateId, sequence);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                if (row.getLong(1) == 0) {
                    return -1;
                }
                long previous = row.getLong(2);
                if (!row.wasNull()) {
                    return previous;
                }
            }
        }
        return advance(connection, consumer, aggregateType, aggregateId, sequence); // the aggregate's first event
    }

    /**
     * Raises the aggregate's highest seen sequence number to {@code sequence} (row-locked until commit) and returns
     * the previous one (0 if none).
     */
    private long advance(
            Connection connection, String consumer, String aggregateType, String aggregateId, long sequence)
            throws SQLException {
        if (dialect == OutboxDialect.POSTGRESQL) {
            for (int attempt = 0; attempt < 2; attempt++) { // a second pass only if another transaction added the row
                try (PreparedStatement advance = connection.prepareStatement(advanceAggregate)) {
                    bindAdvance(advance, 1, consumer, aggregateType, aggregateId, sequence);
                    try (ResultSet rows = advance.executeQuery()) {
                        if (rows.next()) {
                            return rows.getLong(1);
                        }
                    }
                }
                try (PreparedStatement insert = connection.prepareStatement(insertFirst)) {
                    insert.setString(1, consumer);
                    insert.setString(2, aggregateType);
                    insert.setString(3, aggregateId);
                    insert.setLong(4, sequence);
                    if (insert.executeUpdate() == 1) {
                        return 0;
                    }
                }
            }
            throw new SQLException(
                    "inbox aggregate row of " + aggregateType + " " + aggregateId + " neither found nor" + " inserted");
        }
        try (PreparedStatement insert = connection.prepareStatement(insertAggregate)) {
            insert.setString(1, consumer);
            insert.setString(2, aggregateType);
            insert.setString(3, aggregateId);
            insert.executeUpdate();
        }
        long last;
        try (PreparedStatement select = connection.prepareStatement(selectAggregate)) {
            select.setString(1, consumer);
            select.setString(2, aggregateType);
            select.setString(3, aggregateId);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                last = rows.getLong(1);
            }
        }
        if (sequence > last) {
            try (PreparedStatement update = connection.prepareStatement(updateAggregate)) {
                update.setLong(1, sequence);
                update.setString(2, consumer);
                update.setString(3, aggregateType);
                update.setString(4, aggregateId);
                update.executeUpdate();
            }
        }
        return last;
    }

    /** The event's row: parameters 1-7 of {@code insertInbox} and of {@code recordAndAdvance}. */
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

    /** The aggregate's advance from parameter {@code from} on: the new sequence, then its key twice (lock, update). */
    private static void bindAdvance(
            PreparedStatement statement,
            int from,
            String consumer,
            String aggregateType,
            String aggregateId,
            long sequence)
            throws SQLException {
        statement.setLong(from, sequence);
        for (int key = from + 1; key <= from + 4; key += 3) {
            statement.setString(key, consumer);
            statement.setString(key + 1, aggregateType);
            statement.setString(key + 2, aggregateId);
        }
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

    /** Deletes at most {@code limit} inbox rows received before {@code cutoff}; returns how many. */
    public int purge(Connection connection, Instant cutoff, int limit) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(purge)) {
            delete.setTimestamp(1, Timestamp.from(cutoff));
            delete.setInt(2, limit);
            return delete.executeUpdate();
        }
    }

    /** The table prefix. */
    public String prefix() {
        return prefix;
    }
}
