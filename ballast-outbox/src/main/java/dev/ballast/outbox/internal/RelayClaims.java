package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The relay's claim, one short transaction: lease aggregates with {@code FOR UPDATE SKIP LOCKED}, read their pending
 * events, count the attempt. Nothing is held open while the events are published; {@link RelayCompletion} writes what
 * became of them. Immutable and thread-safe.
 */
final class RelayClaims {

    private final RelayTransactions transactions;
    private final RelayTime time;
    private final OutboxTables tables;
    private final String claimAggregates;
    private final String leaseAggregate;
    private final String readEvents;

    RelayClaims(RelayTransactions transactions, OutboxTables tables, RelayTime time) {
        this.transactions = transactions;
        this.time = time;
        this.tables = tables;
        OutboxDialect dialect = tables.dialect;
        String aggregate = tables.aggregate;
        this.claimAggregates = claimAggregates(tables);
        this.leaseAggregate = "UPDATE " + aggregate + " SET lease_owner = ?, lease_until = " + dialect.nowPlusMillis
                + ", claimed_to_seq = ? WHERE aggregate_type = ? AND aggregate_id = ?";
        this.readEvents = "SELECT " + OutboxTables.EVENT_COLUMNS + " FROM " + tables.outbox
                + " WHERE aggregate_type = ? AND aggregate_id = ? AND status = 'PENDING' ORDER BY aggregate_seq LIMIT ?";
    }

    /**
     * The claim's choice of aggregates (parameters: the clock offset in milliseconds twice, the limit): the due ones in
     * {@code next_attempt_at} order through its index, which reads the due aggregates only, not the idle ones parked at
     * {@link OutboxDialect#IDLE} (one row per aggregate ever written). PostgreSQL never bounds an index scan by a volatile
     * function such as {@code clock_timestamp()}: compared with it directly, every poll read the whole table. As a scalar
     * subquery the bound is computed once per run (an InitPlan) and the index scan stops at it.
     */
    static String claimAggregates(OutboxTables tables) {
        OutboxDialect dialect = tables.dialect;
        String dueBy =
                dialect == OutboxDialect.POSTGRESQL ? "(SELECT " + dialect.nowPlusMillis + ")" : dialect.nowPlusMillis;
        return "SELECT aggregate_type, aggregate_id, claimed_to_seq FROM " + tables.aggregate
                + " WHERE pending > 0 AND blocked_by IS NULL AND next_attempt_at <= " + dueBy
                + " AND (lease_until IS NULL OR lease_until < " + dialect.nowPlusMillis + ")"
                + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED";
    }

    /**
     * Claims of an event without an outcome (the relay died or hung with it) after which it is claimed alone, one event
     * per batch. A first crash's events go out in normal batches: a routine SIGKILL (a deploy, an OOM kill) costs no
     * stall. Only an event claimed twice without an outcome may be a poison event that kills the relay; alone, it costs
     * no other event an attempt.
     */
    static final int ALONE_AFTER = 2;

    /**
     * An aggregate leased by one claim with its pending events in sequence order; {@code alone}: its head was claimed
     * {@link #ALONE_AFTER} times or more without an outcome, and it is the batch's only event.
     */
    record ClaimedAggregate(String type, String id, boolean alone, List<ClaimedEvent> events) {}

    /**
     * Claims in one transaction; {@code beforeCommit} is told the aggregates leased just before the commit is sent, so
     * that a caller whose commit fails (the connection lost with it) knows which leases may have been written anyway.
     */
    List<ClaimedAggregate> claim(
            String owner,
            int aggregates,
            int perAggregate,
            long leaseMillis,
            Consumer<List<ClaimedAggregate>> beforeCommit)
            throws SQLException {
        return transactions.run(connection -> {
            List<ClaimedAggregate> claimed = claim(connection, owner, aggregates, perAggregate, leaseMillis);
            beforeCommit.accept(claimed);
            return claimed;
        });
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
        Map<String, List<ClaimedEvent>> pending = readEvents(connection, candidates, perAggregate);
        List<ClaimedAggregate> chosen = new ArrayList<>(candidates.size());
        List<Long> claimedTo = new ArrayList<>();
        for (Candidate candidate : candidates) {
            List<ClaimedEvent> events = pending.getOrDefault(candidate.key(), List.of());
            if (events.isEmpty()) {
                continue;
            }
            int clear = 0;
            while (clear < events.size() && events.get(clear).unrecordedClaims() < ALONE_AFTER) {
                clear++;
            }
            if (clear == 0) {
                // claimed twice or more and never an outcome: it may kill the relay again, so it goes alone and a
                // poison event costs no other event an attempt (the first crash's events went in normal batches)
                chosen.clear();
                claimedTo.clear();
                ClaimedEvent head = events.getFirst();
                chosen.add(new ClaimedAggregate(candidate.type, candidate.id, true, List.of(head)));
                claimedTo.add(Math.max(candidate.claimedToSeq, head.stored().aggregateSeq()));
                break;
            }
            // up to the aggregate's first event claimed twice without an outcome: it goes alone in a later batch
            List<ClaimedEvent> claimed = List.copyOf(events.subList(0, clear));
            chosen.add(new ClaimedAggregate(candidate.type, candidate.id, false, claimed));
            claimedTo.add(
                    Math.max(candidate.claimedToSeq, claimed.getLast().stored().aggregateSeq()));
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
        RelayTransactions.updateIds(
                connection, "UPDATE " + tables.outbox + " SET attempts = attempts + 1 WHERE id IN ", ids);
        return chosen;
    }

    private record Candidate(String type, String id, long claimedToSeq) {
        String key() {
            return RelayTransactions.aggregateKey(type, id);
        }
    }

    /**
     * The first {@code limit} pending events of every candidate in one statement: a UNION ALL of per-aggregate
     * queries, each an index range scan that stops at its limit however long the aggregate's backlog.
     */
    private Map<String, List<ClaimedEvent>> readEvents(Connection connection, List<Candidate> candidates, int limit)
            throws SQLException {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < candidates.size(); i++) {
            if (i > 0) {
                sql.append(" UNION ALL ");
            }
            sql.append('(').append(readEvents).append(')');
        }
        Map<String, List<ClaimedEvent>> events = new HashMap<>();
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
                                    RelayTransactions.aggregateKey(event.aggregateType(), event.aggregateId()),
                                    k -> new ArrayList<>())
                            .add(event);
                }
            }
        }
        events.values()
                .forEach(list -> list.sort(Comparator.comparingLong(
                        (ClaimedEvent event) -> event.stored().aggregateSeq())));
        return events;
    }

    private static ClaimedEvent readEvent(ResultSet row) throws SQLException {
        int keyVersion = row.getInt(11);
        Integer version = row.wasNull() ? null : keyVersion; // before any other column is read
        return new ClaimedEvent(
                row.getLong(1),
                new StoredEvent(
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
                        row.getTimestamp(12).toInstant()),
                row.getInt(13) + 1,
                row.getString(14));
    }
}
