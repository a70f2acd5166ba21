package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * The relay's completion, one short transaction per batch: every outcome of the batch (published, retried, dead, not
 * attempted) written at once, the leases given back. Immutable and thread-safe.
 */
final class RelayCompletion {

    private final RelayTransactions transactions;
    private final RelayTime time;
    private final OutboxTables tables;
    private final DeadLetterRow.Writer deadLetters;
    private final String decrementPending;
    private final String releaseOwned;
    private final String retryEvent;

    RelayCompletion(RelayTransactions transactions, OutboxTables tables, RelayTime time) {
        this.transactions = transactions;
        this.time = time;
        this.tables = tables;
        this.deadLetters = new DeadLetterRow.Writer(tables);
        OutboxDialect dialect = tables.dialect;
        String aggregate = tables.aggregate;
        this.decrementPending = "UPDATE " + aggregate + " SET "
                + dialect.nextAttemptAt("pending", "pending - ?", "next_attempt_at")
                + ", pending = pending - ? WHERE aggregate_type = ? AND aggregate_id = ?";
        this.releaseOwned = "UPDATE " + aggregate + " SET "
                + dialect.nextAttemptAt("pending", "pending - ?", dialect.nowPlusMillis)
                + ", pending = pending - ?, lease_owner = NULL, lease_until = NULL, blocked_by = ?,"
                + " claimed_to_seq = CASE WHEN ? < 0 THEN claimed_to_seq ELSE ? END"
                + " WHERE aggregate_type = ? AND aggregate_id = ?";
        this.retryEvent = "UPDATE " + tables.outbox + " SET last_error = ?, attempt_log = ? WHERE id = ?";
    }

    /**
     * Writes the outcomes in one transaction; returns the number of events whose state changed (published or dead).
     * Aggregates whose lease this relay still holds take the fast path (a few statements for the whole batch);
     * one whose lease ran out meanwhile is written row by row with every update conditional on the row's state.
     */
    int complete(String owner, List<AggregateOutcome> outcomes) throws SQLException {
        List<AggregateOutcome> ordered = new ArrayList<>(outcomes);
        ordered.sort(Comparator.comparing(AggregateOutcome::type).thenComparing(AggregateOutcome::id));
        return transactions.run(connection -> {
            Set<String> owned = lockAggregates(connection, owner, ordered);
            List<AggregateOutcome> fast = new ArrayList<>();
            int changed = 0;
            for (AggregateOutcome outcome : ordered) {
                if (owned.contains(RelayTransactions.aggregateKey(outcome.type(), outcome.id()))) {
                    fast.add(outcome);
                } else {
                    changed += completeLost(connection, outcome);
                }
            }
            return changed + completeOwned(connection, fast);
        });
    }

    /** Locks the batch's aggregate rows (aggregate rows first, as appends and claims do); returns those we lease. */
    private Set<String> lockAggregates(Connection connection, String owner, List<AggregateOutcome> ordered)
            throws SQLException {
        Set<String> owned = new HashSet<>();
        for (int from = 0; from < ordered.size(); from += 200) {
            List<AggregateOutcome> chunk = ordered.subList(from, Math.min(ordered.size(), from + 200));
            StringJoiner where = new StringJoiner(" OR ");
            chunk.forEach(outcome -> where.add("(aggregate_type = ? AND aggregate_id = ?)"));
            try (PreparedStatement statement = connection.prepareStatement("SELECT aggregate_type, aggregate_id,"
                    + " lease_owner FROM " + tables.aggregate + " WHERE " + where
                    + " ORDER BY aggregate_type, aggregate_id FOR UPDATE")) {
                int index = 1;
                for (AggregateOutcome outcome : chunk) {
                    statement.setString(index++, outcome.type());
                    statement.setString(index++, outcome.id());
                }
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        if (owner.equals(rows.getString(3))) {
                            owned.add(RelayTransactions.aggregateKey(rows.getString(1), rows.getString(2)));
                        }
                    }
                }
            }
        }
        return owned;
    }

    /** The fast path: nobody else touched these aggregates' events since our claim, so no per-row checks. */
    private int completeOwned(Connection connection, List<AggregateOutcome> outcomes) throws SQLException {
        if (outcomes.isEmpty()) {
            return 0;
        }
        List<Long> published = new ArrayList<>();
        List<Long> notAttempted = new ArrayList<>();
        int changed = 0;
        for (AggregateOutcome outcome : outcomes) {
            outcome.published().forEach(event -> published.add(event.id()));
            outcome.notAttempted().forEach(event -> notAttempted.add(event.id()));
        }
        changed += RelayTransactions.updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET status = 'PUBLISHED', published_at = " + tables.dialect.now
                        + " WHERE id IN ",
                published);
        RelayTransactions.updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET attempts = attempts - 1 WHERE attempts > 0 AND id IN ",
                notAttempted);
        for (AggregateOutcome outcome : outcomes) {
            for (DeadEvent dead : outcome.dead()) {
                RelayTransactions.updateIds(
                        connection,
                        "UPDATE " + tables.outbox + " SET status = 'DEAD' WHERE id IN ",
                        List.of(dead.event().id()));
                deadLetters.insert(connection, DeadLetterRow.of(dead));
                changed++;
            }
            writeRetry(connection, outcome.retry());
        }
        try (PreparedStatement release = connection.prepareStatement(releaseOwned)) {
            long shift = time.shiftMillis();
            for (AggregateOutcome outcome : outcomes) {
                int done = outcome.done();
                release.setInt(1, done);
                release.setLong(2, shift + outcome.delayMillis());
                release.setInt(3, done);
                release.setString(4, outcome.blockedBy());
                release.setLong(5, outcome.attemptedTo());
                release.setLong(6, outcome.attemptedTo());
                release.setString(7, outcome.type());
                release.setString(8, outcome.id());
                release.addBatch();
            }
            release.executeBatch();
        }
        return changed;
    }

    private void writeRetry(Connection connection, AggregateOutcome.@Nullable Retry retry) throws SQLException {
        if (retry == null) {
            return;
        }
        ClaimedEvent event = retry.event();
        try (PreparedStatement statement = connection.prepareStatement(retryEvent)) {
            statement.setString(1, AttemptLog.describe(retry.error()));
            statement.setString(
                    2,
                    AttemptLog.append(
                            event.attemptLog(), event.attempts(), time.clock().instant(), retry.error()));
            statement.setLong(3, event.id());
            statement.executeUpdate();
        }
    }

    /**
     * The slow path, for an aggregate whose lease ran out before this batch completed: another relay may have claimed
     * it, so every write is conditional on the row still being pending, and the lease (no longer ours) is left alone.
     */
    private int completeLost(Connection connection, AggregateOutcome outcome) throws SQLException {
        int done = RelayTransactions.updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET status = 'PUBLISHED', published_at = " + tables.dialect.now
                        + " WHERE status = 'PENDING' AND id IN ",
                outcome.published().stream().map(ClaimedEvent::id).toList());
        for (DeadEvent dead : outcome.dead()) {
            if (RelayTransactions.updateIds(
                            connection,
                            "UPDATE " + tables.outbox + " SET status = 'DEAD' WHERE status = 'PENDING' AND id IN ",
                            List.of(dead.event().id()))
                    == 1) {
                deadLetters.insert(connection, DeadLetterRow.of(dead));
                done++;
            }
        }
        RelayTransactions.updateIds(
                connection,
                "UPDATE " + tables.outbox + " SET attempts = attempts - 1 WHERE status = 'PENDING' AND attempts > 0"
                        + " AND id IN ",
                outcome.notAttempted().stream().map(ClaimedEvent::id).toList());
        writeRetry(connection, outcome.retry());
        if (done > 0) {
            try (PreparedStatement statement = connection.prepareStatement(decrementPending)) {
                statement.setInt(1, done);
                statement.setInt(2, done);
                statement.setString(3, outcome.type());
                statement.setString(4, outcome.id());
                statement.executeUpdate();
            }
        }
        return done;
    }
}
