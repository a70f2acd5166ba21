package dev.ballast.outbox.internal;

import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.Integrity;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** Reads and resolves dead letters; every change is audited (who, when, why) and runs in one transaction. */
public final class DeadLetterStore {

    private static final String COLUMNS = "event_id, request_id, aggregate_type, aggregate_id, aggregate_seq,"
            + " event_type, payload, headers, content_hash, key_version, created_at, reason, error_class,"
            + " error_message, attempts, attempt_history, dead_at, state, resolved_by, resolved_at, resolution_note";

    private final DataSource dataSource;
    private final OutboxTables tables;
    private final Integrity integrity;
    private final DeadLetterRow.Writer rows;

    public DeadLetterStore(DataSource dataSource, OutboxTables tables, Integrity integrity) {
        this.dataSource = dataSource;
        this.tables = tables;
        this.integrity = integrity;
        this.rows = new DeadLetterRow.Writer(tables);
    }

    public List<DeadLetter> list(int offset, int limit) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT " + COLUMNS + " FROM " + tables.dlq
                        + " WHERE state = 'DEAD' ORDER BY dead_at, event_id LIMIT ? OFFSET ?")) {
            statement.setInt(1, limit);
            statement.setInt(2, offset);
            List<DeadLetter> letters = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    letters.add(read(rows));
                }
            }
            return letters;
        }
    }

    public Optional<DeadLetter> find(String eventId) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return find(connection, eventId, false);
        }
    }

    public long count() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement =
                        connection.prepareStatement("SELECT COUNT(*) FROM " + tables.dlq + " WHERE state = 'DEAD'");
                ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }

    /**
     * Puts the event back in the outbox with fresh attempts, re-hashing its stored bytes as accepted by {@code actor}.
     * With {@code onlyUnchanged}, a letter that is an integrity violation or whose bytes no longer match the hash
     * recorded with them is left as it is and false returned (checked under the letter's row lock).
     */
    public boolean replay(String eventId, String actor, String note, boolean onlyUnchanged) throws SQLException {
        requireAudit(actor, note);
        boolean[] replayed = {false};
        inTransaction(connection -> {
            DeadLetter letter = lockDead(connection, eventId);
            if (onlyUnchanged && (letter.reason() == DeadLetterReason.INTEGRITY_VIOLATION || !unchanged(letter))) {
                return;
            }
            String status = outboxStatus(connection, eventId);
            if (status == null || status.equals("PUBLISHED")) {
                throw new IllegalStateException("Dead letter " + eventId + " cannot be replayed: its outbox row is "
                        + (status == null ? "gone" : "already published"));
            }
            String headers = Json.headers(letter.headers());
            Integer keyVersion = integrity.currentKeyVersion();
            String hash = integrity.digest(content(letter), keyVersion);
            try (PreparedStatement statement = connection.prepareStatement("UPDATE " + tables.outbox
                    + " SET status = 'PENDING', attempts = 0, last_error = NULL, attempt_log = NULL, payload = ?,"
                    + " headers = ?, content_hash = ?, key_version = ? WHERE event_id = ?")) {
                statement.setBytes(1, letter.payload());
                statement.setString(2, headers);
                statement.setString(3, hash);
                if (keyVersion == null) {
                    statement.setNull(4, Types.INTEGER);
                } else {
                    statement.setInt(4, keyVersion);
                }
                statement.setString(5, eventId);
                statement.executeUpdate();
            }
            unblock(connection, letter, status.equals("DEAD") ? 1 : 0);
            resolve(connection, eventId, "REPLAYED", actor, note);
            replayed[0] = true;
        });
        return replayed[0];
    }

    /**
     * True if the letter's bytes still match the hash recorded with them: false for an integrity violation (changed
     * before it died) and for a letter changed in the dead-letter table since.
     */
    public boolean unchanged(DeadLetter letter) {
        return integrity.matches(content(letter), letter.keyVersion(), letter.contentHash());
    }

    private static byte[] content(DeadLetter letter) {
        return ContentHash.content(
                letter.eventId(),
                letter.requestId(),
                letter.aggregateType(),
                letter.aggregateId(),
                letter.aggregateSequence(),
                letter.eventType(),
                Json.headers(letter.headers()),
                letter.payload());
    }

    /** Marks the dead letter discarded; a blocked aggregate continues with its next event. */
    public void discard(String eventId, String actor, String note) throws SQLException {
        requireAudit(actor, note);
        inTransaction(connection -> {
            DeadLetter letter = lockDead(connection, eventId);
            unblock(connection, letter, 0);
            resolve(connection, eventId, "DISCARDED", actor, note);
        });
    }

    /** Imports the entries of a fallback file not yet in the table; returns how many were imported. */
    public int importFile(Path file) throws SQLException, IOException {
        int imported = 0;
        for (Map<String, Object> entry : DeadLetterFile.read(file)) {
            DeadLetterRow row = DeadLetterRow.fromFileEntry(entry);
            StoredEvent event = row.event();
            boolean[] added = {false};
            inTransaction(connection -> {
                if (find(connection, event.eventId(), false).isPresent()) {
                    return;
                }
                rows.insert(connection, row);
                try (PreparedStatement statement = connection.prepareStatement(
                        "UPDATE " + tables.outbox + " SET status = 'DEAD' WHERE event_id = ? AND status = 'PENDING'")) {
                    statement.setString(1, event.eventId());
                    if (statement.executeUpdate() == 1) {
                        adjustPending(connection, event.aggregateType(), event.aggregateId(), -1);
                    }
                }
                added[0] = true;
            });
            if (added[0]) {
                imported++;
            }
        }
        return imported;
    }

    private DeadLetter lockDead(Connection connection, String eventId) throws SQLException {
        DeadLetter letter = find(connection, eventId, false)
                .orElseThrow(() -> new IllegalArgumentException("No dead letter with event id " + eventId));
        lockAggregate(connection, letter.aggregateType(), letter.aggregateId()); // aggregate first, as everywhere
        letter = find(connection, eventId, true).orElseThrow();
        if (!letter.state().equals("DEAD")) {
            throw new IllegalStateException("Dead letter " + eventId + " is already " + letter.state());
        }
        return letter;
    }

    private void lockAggregate(Connection connection, String type, String id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pending FROM " + tables.aggregate
                + " WHERE aggregate_type = ? AND aggregate_id = ? FOR UPDATE")) {
            statement.setString(1, type);
            statement.setString(2, id);
            statement.executeQuery().close();
        }
    }

    private void unblock(Connection connection, DeadLetter letter, int pendingDelta) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("UPDATE " + tables.aggregate + " SET "
                + tables.dialect.nextAttemptAt("pending", "pending + ?", tables.dialect.now)
                + ", pending = pending + ?,"
                + " blocked_by = CASE WHEN blocked_by = ? THEN NULL ELSE blocked_by END"
                + " WHERE aggregate_type = ? AND aggregate_id = ?")) {
            statement.setInt(1, pendingDelta);
            statement.setInt(2, pendingDelta);
            statement.setString(3, letter.eventId());
            statement.setString(4, letter.aggregateType());
            statement.setString(5, letter.aggregateId());
            statement.executeUpdate();
        }
    }

    private void adjustPending(Connection connection, String type, String id, int delta) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("UPDATE " + tables.aggregate + " SET "
                + tables.dialect.nextAttemptAt("pending", "pending + ?", "next_attempt_at")
                + ", pending = pending + ? WHERE aggregate_type = ? AND aggregate_id = ?")) {
            statement.setInt(1, delta);
            statement.setInt(2, delta);
            statement.setString(3, type);
            statement.setString(4, id);
            statement.executeUpdate();
        }
    }

    private void resolve(Connection connection, String eventId, String state, String actor, String note)
            throws SQLException {
        requireAudit(actor, note);
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE " + tables.dlq + " SET state = ?," + " resolved_by = ?, resolved_at = " + tables.dialect.now
                        + ", resolution_note = ? WHERE event_id = ?")) {
            statement.setString(1, state);
            statement.setString(2, actor);
            statement.setString(3, note);
            statement.setString(4, eventId);
            statement.executeUpdate();
        }
    }

    private static void requireAudit(String actor, String note) {
        if (actor == null || actor.isBlank() || actor.length() > 100) {
            throw new IllegalArgumentException("Dead-letter actor must be 1 to 100 characters, was '" + actor + "'");
        }
        if (note == null || note.isBlank() || note.length() > 1000) {
            throw new IllegalArgumentException("Dead-letter reason note must be 1 to 1000 characters");
        }
    }

    private @Nullable String outboxStatus(Connection connection, String eventId) throws SQLException {
        try (PreparedStatement statement =
                connection.prepareStatement("SELECT status FROM " + tables.outbox + " WHERE event_id = ? FOR UPDATE")) {
            statement.setString(1, eventId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        }
    }

    private Optional<DeadLetter> find(Connection connection, String eventId, boolean forUpdate) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT " + COLUMNS + " FROM " + tables.dlq
                + " WHERE event_id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            statement.setString(1, eventId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(read(row)) : Optional.empty();
            }
        }
    }

    private static DeadLetter read(ResultSet row) throws SQLException {
        int keyVersion = row.getInt(10);
        Integer version = row.wasNull() ? null : keyVersion;
        Timestamp resolvedAt = row.getTimestamp(20);
        return new DeadLetter(
                row.getString(1),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                row.getLong(5),
                row.getString(6),
                row.getBytes(7),
                Json.headers(row.getString(8)),
                row.getString(9),
                version,
                row.getTimestamp(11).toInstant(),
                DeadLetterReason.valueOf(row.getString(12)),
                row.getString(13),
                row.getString(14),
                row.getInt(15),
                row.getString(16),
                row.getTimestamp(17).toInstant(),
                row.getString(18),
                row.getString(19),
                resolvedAt == null ? null : resolvedAt.toInstant(),
                row.getString(21));
    }

    @FunctionalInterface
    private interface Work {
        void run(Connection connection) throws SQLException;
    }

    private void inTransaction(Work work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                work.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }
}
