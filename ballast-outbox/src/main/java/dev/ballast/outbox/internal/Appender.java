package dev.ballast.outbox.internal;

import dev.ballast.core.sql.SqlStates;
import dev.ballast.outbox.Appended;
import dev.ballast.outbox.IdempotencyConflictException;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.OutboxEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import org.jspecify.annotations.Nullable;

/**
 * Writes events in the caller's transaction. The aggregate's row is upserted first: it hands out the per-aggregate
 * sequence number and its row lock orders concurrent appends to one aggregate by commit. Its indexed column ({@code
 * next_attempt_at}) changes only when the aggregate was idle (see {@link OutboxDialect#IDLE}). Thread-safe.
 */
public final class Appender {

    private final OutboxTables tables;
    private final Integrity integrity;
    private final int maxPayloadBytes;
    private final String findRequestForUpdate;
    private final String nextSequence;
    private final String bumpSequence;
    private final String insertAggregate;
    private final String readSequence;
    private final String undoSequence;
    private final String insertEvent;
    private final String appendInOneStatement;

    public Appender(OutboxTables tables, Integrity integrity, int maxPayloadBytes) {
        this.tables = tables;
        this.integrity = integrity;
        this.maxPayloadBytes = maxPayloadBytes;
        String aggregate = tables.aggregate;
        // an idle aggregate becomes due now, a busy one keeps its time, so its row is updated in place
        String wake = tables.dialect.nextAttemptAt("pending", "pending + 1", "next_attempt_at");
        this.findRequestForUpdate =
                "SELECT event_id, request_hash FROM " + tables.outbox + " WHERE request_id = ? FOR UPDATE";
        this.nextSequence = switch (tables.dialect) {
            case POSTGRESQL ->
                "INSERT INTO " + aggregate
                        + " (aggregate_type, aggregate_id, last_seq, pending, next_attempt_at) VALUES (?, ?, 1, 1, "
                        + tables.dialect.now + ") ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET "
                        + tables.dialect.nextAttemptAt(
                                aggregate + ".pending", aggregate + ".pending + 1", aggregate + ".next_attempt_at")
                        + ", last_seq = " + aggregate + ".last_seq + 1, pending = " + aggregate + ".pending + 1"
                        + " RETURNING last_seq";
            case MARIADB ->
                "INSERT INTO " + aggregate
                        + " (aggregate_type, aggregate_id, last_seq, pending, next_attempt_at) VALUES (?, ?,"
                        + " LAST_INSERT_ID(1), 1, " + tables.dialect.now + ") ON DUPLICATE KEY UPDATE"
                        + " " + wake + ", last_seq = LAST_INSERT_ID(last_seq + 1),"
                        + " pending = pending + 1";
            case H2 -> "";
        };
        this.bumpSequence = "UPDATE " + aggregate + " SET " + wake
                + ", last_seq = last_seq + 1, pending = pending + 1 WHERE aggregate_type = ? AND aggregate_id = ?";
        this.insertAggregate = "INSERT INTO " + aggregate
                + " (aggregate_type, aggregate_id, last_seq, pending, next_attempt_at) VALUES (?, ?, 1, 1, "
                + tables.dialect.now + ")";
        this.readSequence = "SELECT last_seq FROM " + aggregate + " WHERE aggregate_type = ? AND aggregate_id = ?";
        this.undoSequence = "UPDATE " + aggregate + " SET "
                + tables.dialect.nextAttemptAt("pending", "pending - 1", "next_attempt_at")
                + ", last_seq = last_seq - 1, pending = pending - 1 WHERE aggregate_type = ? AND aggregate_id = ?";
        this.insertEvent = "INSERT INTO " + tables.outbox + " (event_id, request_id, request_hash, aggregate_type,"
                + " aggregate_id, aggregate_seq, event_type, payload, headers, content_hash, key_version, created_at,"
                + " status, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + tables.dialect.now
                + ", 'PENDING', 0)"
                + (tables.isPostgres() ? " ON CONFLICT (request_id) DO NOTHING" : "");
        // PostgreSQL with plain SHA-256: the sequence and the event in one statement (one round trip), the hash
        // finished by the database over the fields' digest and the sequence it hands out (see ContentHash.content)
        this.appendInOneStatement = "WITH s AS (" + nextSequence + ") INSERT INTO " + tables.outbox + " (event_id,"
                + " request_id, request_hash, aggregate_type, aggregate_id, aggregate_seq, event_type, payload, headers,"
                + " content_hash, created_at, status, attempts) SELECT ?, ?, ?, ?, ?, s.last_seq, ?, ?, ?,"
                + " encode(sha256(CAST(? AS bytea) || int8send(s.last_seq)), 'hex'), " + tables.dialect.now
                + ", 'PENDING', 0 FROM s ON CONFLICT (request_id) DO NOTHING";
    }

    /** Appends {@code event} in the transaction of {@code connection}. */
    public Appended append(Connection connection, OutboxEvent event) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("Outbox append needs a connection inside a transaction (auto-commit is"
                    + " on): the event must commit or roll back together with the business change");
        }
        byte[] payload = event.payload();
        if (payload.length > maxPayloadBytes) {
            throw new IllegalArgumentException("Outbox payload of " + payload.length + " bytes exceeds the limit of "
                    + maxPayloadBytes + " bytes (event " + event.eventType() + ", request " + event.requestId()
                    + "); nothing was written");
        }
        String headers = Json.headers(event.headers());
        String requestHash =
                ContentHash.request(event.aggregateType(), event.aggregateId(), event.eventType(), headers, payload);
        // No look-up first: the unique request id decides, and a repeat gives its sequence number back below.
        String eventId = EventIds.next();
        Integer keyVersion = integrity.currentKeyVersion();
        boolean inserted;
        if (tables.isPostgres() && keyVersion == null) {
            inserted = appendInOneStatement(connection, event, requestHash, eventId, headers, payload);
        } else {
            long sequence = nextSequence(connection, event.aggregateType(), event.aggregateId());
            String contentHash = integrity.digest(
                    ContentHash.content(
                            eventId,
                            event.requestId(),
                            event.aggregateType(),
                            event.aggregateId(),
                            sequence,
                            event.eventType(),
                            headers,
                            payload),
                    keyVersion);
            inserted = insert(
                    connection, event, requestHash, sequence, eventId, headers, payload, contentHash, keyVersion);
        }
        if (!inserted) {
            // the request was appended before (maybe by a transaction that just committed): give back our number
            update(connection, undoSequence, event.aggregateType(), event.aggregateId());
            // a locking read: under REPEATABLE READ (MySQL's default) a plain read would still use the old snapshot
            Appended raced = earlier(connection, event.requestId(), requestHash);
            if (raced == null) {
                throw new SQLException("Outbox request '" + event.requestId() + "' conflicted but cannot be found");
            }
            return raced;
        }
        return new Appended(eventId, false);
    }

    private boolean appendInOneStatement(
            Connection connection,
            OutboxEvent event,
            String requestHash,
            String eventId,
            String headers,
            byte[] payload)
            throws SQLException {
        byte[] fields = ContentHash.fields(
                eventId,
                event.requestId(),
                event.aggregateType(),
                event.aggregateId(),
                event.eventType(),
                headers,
                payload);
        try (PreparedStatement statement = connection.prepareStatement(appendInOneStatement)) {
            statement.setString(1, event.aggregateType());
            statement.setString(2, event.aggregateId());
            statement.setString(3, eventId);
            statement.setString(4, event.requestId());
            statement.setString(5, requestHash);
            statement.setString(6, event.aggregateType());
            statement.setString(7, event.aggregateId());
            statement.setString(8, event.eventType());
            statement.setBytes(9, payload);
            statement.setString(10, headers);
            statement.setBytes(11, fields);
            return statement.executeUpdate() == 1; // 0: the request id exists (the sequence was taken: given back)
        }
    }

    private @Nullable Appended earlier(Connection connection, String requestId, String requestHash)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(findRequestForUpdate)) {
            statement.setString(1, requestId);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                String eventId = row.getString(1);
                if (!row.getString(2).equals(requestHash)) {
                    throw new IdempotencyConflictException(requestId, eventId);
                }
                return new Appended(eventId, true);
            }
        }
    }

    private long nextSequence(Connection connection, String type, String id) throws SQLException {
        switch (tables.dialect) {
            case POSTGRESQL -> {
                try (PreparedStatement statement = connection.prepareStatement(nextSequence)) {
                    statement.setString(1, type);
                    statement.setString(2, id);
                    try (ResultSet row = statement.executeQuery()) {
                        row.next();
                        return row.getLong(1);
                    }
                }
            }
            case MARIADB -> {
                update(connection, nextSequence, type, id);
                try (PreparedStatement statement = connection.prepareStatement("SELECT LAST_INSERT_ID()");
                        ResultSet row = statement.executeQuery()) {
                    row.next();
                    return row.getLong(1);
                }
            }
            default -> {
                if (update(connection, bumpSequence, type, id) == 0) {
                    try {
                        update(connection, insertAggregate, type, id);
                    } catch (SQLException e) {
                        if (!SqlStates.isIntegrityViolation(e)) {
                            throw e;
                        }
                        update(connection, bumpSequence, type, id); // inserted concurrently: take the next number
                    }
                }
                try (PreparedStatement statement = connection.prepareStatement(readSequence)) {
                    statement.setString(1, type);
                    statement.setString(2, id);
                    try (ResultSet row = statement.executeQuery()) {
                        row.next();
                        return row.getLong(1);
                    }
                }
            }
        }
    }

    private boolean insert(
            Connection connection,
            OutboxEvent event,
            String requestHash,
            long sequence,
            String eventId,
            String headers,
            byte[] payload,
            String contentHash,
            @Nullable Integer keyVersion)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(insertEvent)) {
            statement.setString(1, eventId);
            statement.setString(2, event.requestId());
            statement.setString(3, requestHash);
            statement.setString(4, event.aggregateType());
            statement.setString(5, event.aggregateId());
            statement.setLong(6, sequence);
            statement.setString(7, event.eventType());
            statement.setBytes(8, payload);
            statement.setString(9, headers);
            statement.setString(10, contentHash);
            if (keyVersion == null) {
                statement.setNull(11, Types.INTEGER);
            } else {
                statement.setInt(11, keyVersion);
            }
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            if (!tables.isPostgres() && SqlStates.isIntegrityViolation(e)) {
                return false; // duplicate request id; the failed statement alone was rolled back
            }
            throw e;
        }
    }

    private static int update(Connection connection, String sql, String type, String id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, type);
            statement.setString(2, id);
            return statement.executeUpdate();
        }
    }
}
