package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One new row of {@code <prefix>outbox_dlq}: the event as it was stored, why it died and what was tried. Both ways a
 * dead letter is written go through it: the relay's completion ({@link #of(DeadEvent)}) and the import of the fallback
 * file ({@link #fromFileEntry(Map)}, the other side of {@link #toFileEntry()}); {@link Writer} inserts it. Immutable.
 */
record DeadLetterRow(
        StoredEvent event,
        String reason,
        @Nullable String errorClass,
        @Nullable String errorMessage,
        int attempts,
        String attemptHistory) {

    /** Longest error message stored (the column's width). */
    static final int MAX_ERROR_MESSAGE = 1000;

    static DeadLetterRow of(DeadEvent dead) {
        ClaimedEvent event = dead.event();
        Throwable error = dead.error();
        String message = error == null ? null : AttemptLog.describe(error);
        return new DeadLetterRow(
                event.stored(),
                dead.reason().name(),
                error == null ? null : error.getClass().getName(),
                message == null ? null : message.substring(0, Math.min(MAX_ERROR_MESSAGE, message.length())),
                event.attempts(),
                dead.history());
    }

    /** The row of one fallback-file line, as {@link #toFileEntry()} wrote it. */
    static DeadLetterRow fromFileEntry(Map<String, Object> entry) {
        Object keyVersion = entry.get("keyVersion");
        return new DeadLetterRow(
                new StoredEvent(
                        text(entry, "eventId"),
                        text(entry, "requestId"),
                        text(entry, "aggregateType"),
                        text(entry, "aggregateId"),
                        number(entry, "aggregateSeq").longValue(),
                        text(entry, "eventType"),
                        Base64.getDecoder().decode(text(entry, "payload")),
                        text(entry, "headers"),
                        text(entry, "contentHash"),
                        keyVersion == null ? null : ((Number) keyVersion).intValue(),
                        Instant.parse(text(entry, "createdAt"))),
                text(entry, "reason"),
                (String) entry.get("errorClass"),
                (String) entry.get("errorMessage"),
                number(entry, "attempts").intValue(),
                text(entry, "attemptHistory"));
    }

    /** The fallback file's form: one JSON object per row, the payload in Base64. */
    Map<String, Object> toFileEntry() {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("eventId", event.eventId());
        entry.put("requestId", event.requestId());
        entry.put("aggregateType", event.aggregateType());
        entry.put("aggregateId", event.aggregateId());
        entry.put("aggregateSeq", event.aggregateSeq());
        entry.put("eventType", event.eventType());
        entry.put("payload", Base64.getEncoder().encodeToString(event.payload()));
        entry.put("headers", event.headersJson());
        entry.put("contentHash", event.contentHash());
        entry.put("keyVersion", event.keyVersion());
        entry.put("createdAt", event.createdAt().toString());
        entry.put("reason", reason);
        entry.put("errorClass", errorClass);
        entry.put("errorMessage", errorMessage);
        entry.put("attempts", attempts);
        entry.put("attemptHistory", attemptHistory);
        return entry;
    }

    private static String text(Map<String, Object> entry, String name) {
        return (String) Objects.requireNonNull(entry.get(name), name);
    }

    private static Number number(Map<String, Object> entry, String name) {
        return (Number) Objects.requireNonNull(entry.get(name), name);
    }

    /** Inserts rows as {@code DEAD}, dead now by the database's clock. Immutable; runs on the caller's transaction. */
    static final class Writer {

        private final String insert;

        Writer(OutboxTables tables) {
            this.insert = "INSERT INTO " + tables.dlq + " (event_id, request_id, aggregate_type, aggregate_id,"
                    + " aggregate_seq, event_type, payload, headers, content_hash, key_version, created_at, reason,"
                    + " error_class, error_message, attempts, attempt_history, dead_at, state)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + tables.dialect.now + ", 'DEAD')";
        }

        void insert(Connection connection, DeadLetterRow row) throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement(insert)) {
                StoredEvent event = row.event();
                statement.setString(1, event.eventId());
                statement.setString(2, event.requestId());
                statement.setString(3, event.aggregateType());
                statement.setString(4, event.aggregateId());
                statement.setLong(5, event.aggregateSeq());
                statement.setString(6, event.eventType());
                statement.setBytes(7, event.payload());
                statement.setString(8, event.headersJson());
                statement.setString(9, event.contentHash());
                Integer keyVersion = event.keyVersion();
                if (keyVersion == null) {
                    statement.setNull(10, Types.INTEGER);
                } else {
                    statement.setInt(10, keyVersion);
                }
                statement.setTimestamp(11, Timestamp.from(event.createdAt()));
                statement.setString(12, row.reason());
                statement.setString(13, row.errorClass());
                statement.setString(14, row.errorMessage());
                statement.setInt(15, row.attempts());
                statement.setString(16, row.attemptHistory());
                statement.executeUpdate();
            }
        }
    }
}
