package dev.ballast.lock.jdbc;

import dev.ballast.core.sql.SqlStates;
import dev.ballast.lock.internal.JdbcDialect;
import dev.ballast.lock.internal.LockBackend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A lock table: one row per key with owner, expiry (database clock) and fencing counter. A row is never deleted, so
 * its counter only grows and tokens stay monotonic across restarts. A token is never below the database clock in
 * microseconds ({@code GREATEST(fence + 1, now)}), so tokens of this backend also exceed those another clock-floored
 * backend issued before a fail-over (see the resilient strategy). Each operation is one short transaction on a pooled
 * connection; no connection is pinned while the lock is held. Thread-safe.
 */
final class JdbcLockBackend implements LockBackend {

    private final DataSource dataSource;
    private final String takeOver;
    private final String insert;
    private final String readFence;
    private final String renew;
    private final String release;

    JdbcLockBackend(DataSource dataSource, JdbcDialect dialect, String table) {
        this.dataSource = dataSource;
        this.takeOver = "UPDATE " + table + " SET owner = ?, expires_at = " + dialect.nowPlusMillis()
                + ", fence = GREATEST(fence + 1, " + dialect.nowMicros()
                + ") WHERE lock_key = ? AND (owner IS NULL OR expires_at < " + dialect.now() + ")";
        this.insert = "INSERT INTO " + table + " (lock_key, owner, expires_at, fence) VALUES (?, ?, "
                + dialect.nowPlusMillis() + ", " + dialect.nowMicros() + ")";
        this.readFence = "SELECT fence FROM " + table + " WHERE lock_key = ? AND owner = ?";
        this.renew = "UPDATE " + table + " SET expires_at = " + dialect.nowPlusMillis()
                + " WHERE lock_key = ? AND owner = ? AND expires_at >= " + dialect.now();
        this.release = "UPDATE " + table + " SET owner = NULL, expires_at = " + dialect.now()
                + " WHERE lock_key = ? AND owner = ?";
    }

    @Override
    public String name() {
        return "jdbc";
    }

    @Override
    public long tryLock(String key, String owner, Duration lease) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                long token = tryLock(connection, key, owner, lease.toMillis());
                connection.commit();
                return token;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                if (isContention(e)) {
                    return 0; // another owner got there first; the rolled-back attempt holds nothing, so retry later
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private long tryLock(Connection connection, String key, String owner, long leaseMillis) throws SQLException {
        int taken;
        try (PreparedStatement statement = connection.prepareStatement(takeOver)) {
            statement.setString(1, owner);
            statement.setLong(2, leaseMillis);
            statement.setString(3, key);
            taken = statement.executeUpdate();
        }
        if (taken == 0 && !insertRow(connection, key, owner, leaseMillis)) {
            return 0;
        }
        try (PreparedStatement statement = connection.prepareStatement(readFence)) {
            statement.setString(1, key);
            statement.setString(2, owner);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    /** Inserts the key's first row; false if it exists already (held by someone, since the take-over failed). */
    private boolean insertRow(Connection connection, String key, String owner, long leaseMillis) throws SQLException {
        if (rowExists(connection, key)) {
            return false;
        }
        try (PreparedStatement statement = connection.prepareStatement(insert)) {
            statement.setString(1, key);
            statement.setString(2, owner);
            statement.setLong(3, leaseMillis);
            return statement.executeUpdate() == 1;
        }
    }

    private boolean rowExists(Connection connection, String key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(readFence.replace(" AND owner = ?", ""))) {
            statement.setString(1, key);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(renew)) {
            statement.setLong(1, lease.toMillis());
            statement.setString(2, key);
            statement.setString(3, owner);
            return statement.executeUpdate() == 1;
        }
    }

    @Override
    public void unlock(String key, String owner) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(release)) {
            statement.setString(1, key);
            statement.setString(2, owner);
            statement.executeUpdate();
        }
    }

    /**
     * A duplicate key (23xxx: two first acquirers inserted the same row) or a deadlock/serialization failure (40xxx:
     * InnoDB gap locks when two first acquirers update-then-insert the same missing row).
     */
    private static boolean isContention(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                if (SqlStates.isIntegrityViolation(sql) || SqlStates.isTransactionRollback(sql)) {
                    return true;
                }
            }
        }
        return false;
    }
}
