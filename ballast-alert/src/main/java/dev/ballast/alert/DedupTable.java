package dev.ballast.alert;

import dev.ballast.alert.DedupLedger.Release;
import dev.ballast.core.sql.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The rows of {@link JdbcDedupLedger}'s table and the statements on them, for one ledger instance (its owner id): a
 * claim (insert, else take over a stale claim or add repeats, under a row lock), repeats added in a batch, a release
 * (lock, then delete, the fingerprint's rows). Each method takes its own pooled connection and runs one short
 * transaction; the ledger calls them on its worker thread through {@link LedgerBreaker}. Thread-safe (no state but the
 * statement counter).
 */
final class DedupTable {

    private final DataSource dataSource;
    private final String table;
    private final String owner = UUID.randomUUID().toString();
    private final int queryTimeoutSeconds;
    private final AtomicLong statements = new AtomicLong();

    /** The rows of {@code table}; each statement may run at most {@code queryTimeoutSeconds}. */
    DedupTable(DataSource dataSource, String table, int queryTimeoutSeconds) {
        this.dataSource = dataSource;
        this.table = table;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
    }

    /** Statements sent to the database so far. */
    long statements() {
        return statements.get();
    }

    /**
     * Deletes the fingerprint's claims in one transaction that first locks them: of instances releasing concurrently,
     * the first deletes them (and sends the resolved message), the others find nothing left.
     */
    Release release(String fingerprint, long own) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return inTransaction(connection, () -> {
                long repeats = 0;
                long since = Long.MAX_VALUE;
                boolean found = false;
                String select = "SELECT claimed_at, repeats FROM " + table + " WHERE fingerprint = ? FOR UPDATE";
                try (PreparedStatement query = connection.prepareStatement(select)) {
                    query.setQueryTimeout(queryTimeoutSeconds);
                    query.setString(1, fingerprint);
                    statements.incrementAndGet();
                    try (ResultSet row = query.executeQuery()) {
                        while (row.next()) {
                            found = true;
                            since = Math.min(since, row.getLong(1));
                            repeats += row.getLong(2);
                        }
                    }
                }
                int deleted = 0;
                if (found) {
                    String sql = "DELETE FROM " + table + " WHERE fingerprint = ?";
                    try (PreparedStatement delete = connection.prepareStatement(sql)) {
                        delete.setQueryTimeout(queryTimeoutSeconds);
                        delete.setString(1, fingerprint);
                        statements.incrementAndGet();
                        deleted = delete.executeUpdate();
                    }
                }
                return deleted > 0 ? Release.ended(repeats + own, Instant.ofEpochMilli(since)) : Release.NOT_HELD;
            });
        }
    }

    /** What a claim found: whether this instance holds it now, the repeats it inherits, and since when it is held. */
    record Outcome(boolean won, long repeats, long claimedAt) {}

    Outcome claim(String key, long at, long staleBefore, long own) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            if (insert(connection, key, at)) {
                return new Outcome(true, 0, at);
            }
            return inTransaction(connection, () -> takeOverOrCount(connection, key, at, staleBefore, own));
        }
    }

    private boolean insert(Connection connection, String key, long at) throws SQLException {
        String sql =
                "INSERT INTO " + table + " (dedup_key, fingerprint, owner, claimed_at, repeats) VALUES (?, ?, ?, ?, 0)";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setQueryTimeout(queryTimeoutSeconds);
            insert.setString(1, key);
            insert.setString(2, fingerprintOf(key));
            insert.setString(3, owner);
            insert.setLong(4, at);
            statements.incrementAndGet();
            insert.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (SqlStates.isIntegrityViolation(e)) {
                return false; // claimed before, by this instance or another
            }
            throw e;
        }
    }

    /** The row locked: a stale (or own) claim is taken over with every repeat on it; else this one's are added. */
    private Outcome takeOverOrCount(Connection connection, String key, long at, long staleBefore, long own)
            throws SQLException {
        String select = "SELECT owner, claimed_at, repeats FROM " + table + " WHERE dedup_key = ? FOR UPDATE";
        String holder;
        long claimedAt;
        long repeats;
        try (PreparedStatement query = connection.prepareStatement(select)) {
            query.setQueryTimeout(queryTimeoutSeconds);
            query.setString(1, key);
            statements.incrementAndGet();
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return new Outcome(true, own, at); // released meanwhile: nobody holds it
                }
                holder = row.getString(1);
                claimedAt = row.getLong(2);
                repeats = row.getLong(3);
            }
        }
        if (claimedAt <= staleBefore || holder.equals(owner)) {
            String sql = "UPDATE " + table + " SET owner = ?, claimed_at = ?, repeats = 0 WHERE dedup_key = ?";
            try (PreparedStatement update = connection.prepareStatement(sql)) {
                update.setQueryTimeout(queryTimeoutSeconds);
                update.setString(1, owner);
                update.setLong(2, at);
                update.setString(3, key);
                statements.incrementAndGet();
                update.executeUpdate();
            }
            return new Outcome(true, repeats + own, at);
        }
        addRepeats(connection, key, own + 1); // this raise and the ones counted locally
        return new Outcome(false, 0, claimedAt);
    }

    /** Adds each key's repeats to its claim; returns the keys that have no claim any more (resolved elsewhere). */
    Set<String> addRepeats(Map<String, Long> batch) throws SQLException {
        Set<String> gone = new HashSet<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            for (Map.Entry<String, Long> entry : batch.entrySet()) {
                if (addRepeats(connection, entry.getKey(), entry.getValue()) == 0) {
                    gone.add(entry.getKey());
                }
            }
        }
        return gone;
    }

    private int addRepeats(Connection connection, String key, long n) throws SQLException {
        String sql = "UPDATE " + table + " SET repeats = repeats + ? WHERE dedup_key = ?";
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            update.setQueryTimeout(queryTimeoutSeconds);
            update.setLong(1, n);
            update.setString(2, key);
            statements.incrementAndGet();
            return update.executeUpdate();
        }
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} as one transaction of {@code connection}: committed if it returns, else rolled back. */
    private static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        connection.setAutoCommit(false);
        boolean committed = false;
        try {
            T result = work.run();
            connection.commit();
            committed = true;
            return result;
        } finally {
            try {
                if (!committed) {
                    connection.rollback();
                }
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Keys are {@code <severity>|<fingerprint>}: the fingerprint is what follows the first bar. */
    static String fingerprintOf(String key) {
        int bar = key.indexOf('|');
        return bar < 0 ? key : key.substring(bar + 1);
    }
}
