package dev.ballast.outbox.internal;

import dev.ballast.outbox.DeadLetterReason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.StringJoiner;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The relay's two short transactions: claim (lease aggregates with {@code FOR UPDATE SKIP LOCKED}, read their pending
 * events, count the attempt) and complete (write every outcome of a batch at once). Nothing is held open while
 * messages are published. Thread-safe.
 */
final class RelayStore {

    private final DataSource dataSource;
    private final boolean asynchronousCommit;
    private final RelayTime time;
    private final OutboxTables tables;
    private final String claimAggregates;
    private final String leaseAggregate;
    private final String readEvents;
    private final String decrementPending;
    private final String releaseOwned;
    private final String retryEvent;
    private final String insertDeadLetter;

    RelayStore(DataSource dataSource, OutboxTables tables, boolean asynchronousCommit, RelayTime time) {
        this.dataSource = dataSource;
        this.asynchronousCommit = asynchronousCommit;
        this.time = time;
        this.tables = tables;
        OutboxDialect dialect = tables.dialect;
        String aggregate = tables.aggregate;
        this.claimAggregates = "SELECT aggregate_type, aggregate_id, claimed_to_seq FROM " + aggregate
                + " WHERE pending > 0 AND blocked_by IS NULL AND next_attempt_at <= " + dialect.nowPlusMillis
                + " AND (lease_until IS NULL OR lease_until < " + dialect.nowPlusMillis + ")"
                + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED";
        this.leaseAggregate = "UPDATE " + aggregate + " SET lease_owner = ?, lease_until = " + dialect.nowPlusMillis
                + ", claimed_to_seq = ? WHERE aggregate_type = ? AND aggregate_id = ?";
        this.readEvents = "SELECT " + OutboxTables.EVENT_COLUMNS + " FROM " + tables.outbox
                + " WHERE aggregate_type = ? AND aggregate_id = ? AND status = 'PENDING' ORDER BY aggregate_seq LIMIT ?";
        this.decrementPending = "UPDATE " + aggregate + " SET "
                + dialect.nextAttemptAt("pending", "pending - ?", "next_attempt_at")
                + ", pending = pending - ? WHERE aggregate_type = ? AND aggregate_id = ?";
        this.releaseOwned = "UPDATE " + aggregate + " SET "
                + dialect.nextAttemptAt("pending", "pending - ?", dialect.nowPlusMillis)
                + ", pending = pending - ?, lease_owner = NULL, lease_until = NULL, blocked_by = ?,"
                + " claimed_to_seq = CASE WHEN ? < 0 THEN claimed_to_seq ELSE ? END"
                + " WHERE aggregate_type = ? AND aggregate_id = ?";
        this.retryEvent = "UPDATE " + tables.outbox + " SET last_error = ?, attempt_log = ? WHERE id = ?";
        this.insertDeadLetter = "INSERT INTO " + tables.dlq + " (event_id, request_id, aggregate_type, aggregate_id,"
                + " aggregate_seq, event_type, payload, headers, content_hash, key_version, created_at, reason,"
                + " error_class, error_message, attempts, attempt_history, dead_at, state)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " + dialect.now + ", 'DEAD')";
    }

    /**
     * On PostgreSQL, lets this relay transaction's commit return before its WAL is flushed. It is visible to every
     * other transaction at once and durable a fraction of a second later; only a crash of PostgreSQL itself in between
     * can lose it, and then nothing is lost either: a lost claim makes the events claimable again (one attempt not
     * counted), a lost completion makes them publish again (at-least-once allows it), and a lost dead-lettering is lost
     * together with the outbox row's change, so the event is still pending and is retried. The business transaction of
     * {@code append} is never relaxed. Saves the relay two disk flushes per batch.
     */
    private void asynchronousCommit(Connection connection) throws SQLException {
        if (asynchronousCommit && tables.isPostgres()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET LOCAL synchronous_commit = off");
            }
        }
    }

    /** Aggregates leased by one claim, each with its pending events in sequence order. */
    record ClaimedAggregate(String type, String id, boolean recovered, List<ClaimedEvent> events) {}

    List<ClaimedAggregate> claim(String owner, int aggregates, int perAggregate, long leaseMillis) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                asynchronousCommit(connection);
                List<ClaimedAggregate> claimed = claim(connection, owner, aggregates, perAggregate, leaseMillis);
                connection.commit();
                return claimed;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private List<ClaimedAggregate> claim(
            Connection connection, String owner, int aggregates, int perAggregate, long leaseMillis)
            throws SQLException {
        List<Candidate> candidates = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(claimAggregates)) {
            long shift = time.shiftMillis();
            statement.setLong(1, shift);
            statement.setLong(2, shift);
            statement.setInt(3, aggregates);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    candidates.add(new Candidate(rows.getString(1), rows.getString(2), rows.getLong(3)));
                }
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        java.util.Map<String, List<ClaimedEvent>> pending = readEvents(connection, candidates, perAggregate);
        List<ClaimedAggregate> chosen = new ArrayList<>(candidates.size());
        List<Long> claimedTo = new ArrayList<>();
        for (Candidate candidate : candidates) {
            List<ClaimedEvent> events = pending.getOrDefault(candidate.key(), List.of());
            if (events.isEmpty()) {
                continue;
            }
            if (events.getFirst().aggregateSeq() <= candidate.claimedToSeq) {
                // a claim reached this event and never wrote an outcome: the relay died or hung with it. Suspects go
                // alone, one event per batch, so a poison event that kills the relay again costs no other event an
                // attempt; the aggregate leaves this mode once its head is past the crashed claim.
                chosen.clear();
                claimedTo.clear();
                chosen.add(new ClaimedAggregate(candidate.type, candidate.id, true, List.of(events.getFirst())));
                claimedTo.add(candidate.claimedToSeq);
                break;
            }
            chosen.add(new ClaimedAggregate(candidate.type, candidate.id, false, events));
            claimedTo.add(Math.max(candidate.claimedToSeq, events.getLast().aggregateSeq()));
        }
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement lease = connection.prepareStatement(leaseAggregate)) {
            long until = time.shiftMillis() + leaseMillis;
            for (int i = 0; i < chosen.size(); i++) {
                ClaimedAggregate claimed = chosen.get(i);
                lease.setString(1, owner);
                lease.setLong(2, until);
                lease.setLong(3, claimedTo.get(i));
                lease.setString(4, claimed.type());
                lease.setString(5, claimed.id());
                lease.addBatch();
                claimed.events().forEach(event -> ids.add(event.id()));
            }
            lease.executeBatch();
        }
        updateIds(connection, "UPDATE " + tables.outbox + " SET attempts = attempts + 1 WHERE id IN ", ids);
        return chosen;
    }

    /** One map key per aggregate (NUL cannot occur in a validated type or id). */
    private static String aggregateKey(String type, String id) {
        return type + "\u0000" + id;
    }

    private record Candidate(String type, String id, long claimedToSeq) {
        String key() {
            return aggregateKey(type, id);
        }
    }

    /**
     * The first {@code limit} pending events of every candidate in one statement: a UNION ALL of per-aggregate
     * queries, each an index range scan that stops at its limit however long the aggregate's backlog.
     */
    private java.util.Map<String, List<ClaimedEvent>> readEvents(
            Connection connection, List<Candidate> candidates, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < candidates.size(); i++) {
            if (i > 0) {
                sql.append(" UNION ALL ");
            }
            sql.append('(').append(readEvents).append(')');
        }
        java.util.Map<String, List<ClaimedEvent>> events = new java.util.HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            int index = 1;
            for (Candidate candidate : candidates) {
                statement.setString(index++, candidate.type);
                statement.setString(index++, candidate.id);
                statement.setInt(index++, limit);
            }
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    ClaimedEvent event = readEvent(row);
                    events.computeIfAbsent(
                                    aggregateKey(event.aggregateType(), event.aggregateId()), k -> new ArrayList<>())
                            .add(event);
                }
            }
        }
        events.values().forEach(list -> list.sort(Comparator.comparingLong(ClaimedEvent::aggregateSeq)));
        return events;
    }

    private static ClaimedEvent readEvent(ResultSet row) throws SQLException {
        int keyVersion = row.getInt(11);
        Integer version = row.wasNull() ? null : keyVersion; // before any other column is read
        return new ClaimedEvent(
                row.getLong(1),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                row.getString(5),
                row.getLong(6),
                row.getString(7),
                row.getBytes(8),
                row.getString(9),
                row.getString(10),
                version,
                row.getTimestamp(12).toInstant(),
                row.getInt(13) + 1,
                row.getString(14));
    }

    /** A dead event with why it died. */
    record Dead(
            ClaimedEvent event,
            DeadLetterReason reason,
            @Nullable Throwable error,
            String history) {}

    /** Everything that happened to one aggregate's events in a batch. */
    static final class Outcome {
        final String type;
        final String id;
        final List<ClaimedEvent> published = new ArrayList<>();
        final List<Dead> dead = new ArrayList<>();
        final List<ClaimedEvent> notAttempted = new ArrayList<>();

        @Nullable
        ClaimedEvent retry;

        @Nullable
        Throwable retryError;

        long delayMillis;

        @Nullable
        String blockedBy;

        /**
         * The last sequence number whose outcome this batch writes (nothing after it was in flight), or -1 to keep the
         * aggregate's crash mark (a suspect batch: later events of the crashed claim are still suspects).
         */
        long attemptedTo;

        Outcome(String type, String id) {
            this.type = type;
            this.id = id;
        }
    }

    /**
     * Writes the outcomes in one transaction; returns the number of events whose state changed (published or dead).
     * Aggregates whose lease this relay still holds take the fast path (a few statements for the whole batch);
     * one whose lease ran out meanwhile is written row by row with every update conditional on the row's state.
     */
    int complete(String owner, List<Outcome> outcomes) throws SQLException {
        List<Outcome> ordered = new ArrayList<>(outcomes);
        ordered.sort(Comparator.comparing((Outcome outcome) -> outcome.type).thenComparing(outcome -> outcome.id));
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                asynchronousCommit(connection);
                java.util.Set<String> owned = lockAggregates(connection, owner, ordered);
                List<Outcome> fast = new ArrayList<>();
                int changed = 0;
                for (Outcome outcome : ordered) {
                    if (owned.contains(aggregateKey(outcome.type, outcome.id))) {
                        fast.add(outcome);
                    } else {
                        changed += completeLost(connection, outcome);
                    }
                }
                changed += completeOwned(connection, fast);
                connection.commit();
                return changed;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Locks the batch's aggregate rows (aggregate rows first, as appends and claims do); returns those we lease. */
    private java.util.Set<String> lockAggregates(Connection connection, String owner, List<Outcome> ordered)
            throws SQLException {
        java.util.Set<String> owned = new java.util.HashSet<>();
        for (int from = 0; from < ordered.size(); from += 200) {
            List<Outcome> chunk = ordered.subList(from, Math.min(ordered.size(), from + 200));
            StringJoiner where = new StringJoiner(" OR ");
            chunk.forEach(outcome -> where.add("(aggregate_type = ? AND aggregate_id = ?)"));
            try (PreparedStatement statement = connection.prepareStatement("SELECT aggregate_type, aggregate_id,"
                    + " lease_owner FROM " + tables.aggregate + " WHERE " + where
                    + " ORDER BY aggregate_type, aggregate_id FOR UPDATE")) {
                int index = 1;
                for (Outcome outcome : chunk) {
                    statement.setString(index++, outcome.type);
                    statement.setString(index++, outcome.id);
                }
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        if (owner.equals(rows.getString(3))) {
                            owned.add(aggregateKey(rows.getString(1), rows.getString(2)));
                        }
                    }
                }
            }
        }
        return owned;
    }

    /** The fast path: nobody else touched these aggregates' events since our claim, so no per-row checks. */
    private int completeOwned(Connection connection, List<Outcome> outcomes) throws SQLException {
        if (outcomes.isEmpty()) {
            return 0;
        }
        List<Long> published = new ArrayList<>();
        List<Long> notAttempted = new ArrayList<>();
        int changed = 0;
        for (Outcome outcome : outcomes) {
            outcome.published.forEach(event -> published.add(event.id()));
            outcome.notAttempted.forEach(event -> notAttempted.add(event.id()));
        }
        changed += updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET status = 'PUBLISHED', published_at = " + tables.dialect.now
                        + " WHERE id IN ",
                published);
        updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET attempts = attempts - 1 WHERE attempts > 0 AND id IN ",
                notAttempted);
        for (Outcome outcome : outcomes) {
            for (Dead dead : outcome.dead) {
                updateIds(
                        connection,
                        "UPDATE " + tables.outbox + " SET status = 'DEAD' WHERE id IN ",
                        List.of(dead.event().id()));
                insertDeadLetter(connection, dead);
                changed++;
            }
            if (outcome.retry != null && outcome.retryError != null) {
                writeRetry(connection, outcome);
            }
        }
        try (PreparedStatement release = connection.prepareStatement(releaseOwned)) {
            long shift = time.shiftMillis();
            for (Outcome outcome : outcomes) {
                int done = outcome.published.size() + outcome.dead.size();
                release.setInt(1, done);
                release.setLong(2, shift + outcome.delayMillis);
                release.setInt(3, done);
                release.setString(4, outcome.blockedBy);
                release.setLong(5, outcome.attemptedTo);
                release.setLong(6, outcome.attemptedTo);
                release.setString(7, outcome.type);
                release.setString(8, outcome.id);
                release.addBatch();
            }
            release.executeBatch();
        }
        return changed;
    }

    private void writeRetry(Connection connection, Outcome outcome) throws SQLException {
        ClaimedEvent retry = java.util.Objects.requireNonNull(outcome.retry);
        Throwable error = java.util.Objects.requireNonNull(outcome.retryError);
        try (PreparedStatement statement = connection.prepareStatement(retryEvent)) {
            statement.setString(1, AttemptLog.describe(error));
            statement.setString(
                    2,
                    AttemptLog.append(
                            retry.attemptLog(), retry.attempts(), time.clock().instant(), error));
            statement.setLong(3, retry.id());
            statement.executeUpdate();
        }
    }

    /**
     * The slow path, for an aggregate whose lease ran out before this batch completed: another relay may have claimed
     * it, so every write is conditional on the row still being pending, and the lease (no longer ours) is left alone.
     */
    private int completeLost(Connection connection, Outcome outcome) throws SQLException {
        int done = updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET status = 'PUBLISHED', published_at = " + tables.dialect.now
                        + " WHERE status = 'PENDING' AND id IN ",
                outcome.published.stream().map(ClaimedEvent::id).toList());
        for (Dead dead : outcome.dead) {
            if (updateIds(
                            connection,
                            "UPDATE " + tables.outbox + " SET status = 'DEAD' WHERE status = 'PENDING' AND id IN ",
                            List.of(dead.event().id()))
                    == 1) {
                insertDeadLetter(connection, dead);
                done++;
            }
        }
        updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET attempts = attempts - 1 WHERE status = 'PENDING' AND attempts > 0"
                        + " AND id IN ",
                outcome.notAttempted.stream().map(ClaimedEvent::id).toList());
        if (outcome.retry != null && outcome.retryError != null) {
            writeRetry(connection, outcome);
        }
        if (done > 0) {
            try (PreparedStatement statement = connection.prepareStatement(decrementPending)) {
                statement.setInt(1, done);
                statement.setInt(2, done);
                statement.setString(3, outcome.type);
                statement.setString(4, outcome.id);
                statement.executeUpdate();
            }
        }
        return done;
    }

    private void insertDeadLetter(Connection connection, Dead dead) throws SQLException {
        ClaimedEvent event = dead.event();
        try (PreparedStatement statement = connection.prepareStatement(insertDeadLetter)) {
            statement.setString(1, event.eventId());
            statement.setString(2, event.requestId());
            statement.setString(3, event.aggregateType());
            statement.setString(4, event.aggregateId());
            statement.setLong(5, event.aggregateSeq());
            statement.setString(6, event.eventType());
            statement.setBytes(7, event.payload());
            statement.setString(8, event.headersJson());
            statement.setString(9, event.contentHash());
            if (event.keyVersion() == null) {
                statement.setNull(10, Types.INTEGER);
            } else {
                statement.setInt(10, event.keyVersion());
            }
            statement.setTimestamp(11, Timestamp.from(event.createdAt()));
            statement.setString(12, dead.reason().name());
            statement.setString(
                    13, dead.error() == null ? null : dead.error().getClass().getName());
            String message = dead.error() == null ? null : AttemptLog.describe(dead.error());
            statement.setString(14, message == null ? null : message.substring(0, Math.min(1000, message.length())));
            statement.setInt(15, event.attempts());
            statement.setString(16, dead.history());
            statement.executeUpdate();
        }
    }

    private static int updateIds(Connection connection, String sqlEndingInIn, List<Long> ids) throws SQLException {
        int changed = 0;
        for (int from = 0; from < ids.size(); from += 500) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            StringJoiner marks = new StringJoiner(", ", "(", ")");
            chunk.forEach(id -> marks.add("?"));
            try (PreparedStatement statement = connection.prepareStatement(sqlEndingInIn + marks)) {
                for (int i = 0; i < chunk.size(); i++) {
                    statement.setLong(i + 1, chunk.get(i));
                }
                changed += statement.executeUpdate();
            }
        }
        return changed;
    }
}
