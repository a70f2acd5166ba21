package dev.ballast.lock.jdbc;

import dev.ballast.lock.internal.LockBackend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * Database-native session locks (PostgreSQL {@code pg_try_advisory_lock}, MySQL/MariaDB {@code GET_LOCK}) on a
 * connection pinned to the handle for the lock's whole life. Pinning is what makes them safe with connection pools: the
 * lock is released on the same session that took it, and a connection whose release fails is aborted (never returned to
 * the pool still holding a lock). The database releases the lock by itself if the session dies.
 *
 * <p>These locks have no server-side lease: they last as long as the session. Renewal checks that the pinned session is
 * alive; a dead session means the lock is gone. Fencing tokens come from a small table, {@code <prefix>lock_fence},
 * incremented in its own statement, so they survive restarts. Thread-safe.
 */
final class SessionLockBackend implements LockBackend {

    private static final Executor ABORT_INLINE = Runnable::run;

    private final DataSource dataSource;
    private final SessionLockDialect dialect;
    private final String fenceTable;
    private final Map<String, Connection> pinned = new ConcurrentHashMap<>();

    SessionLockBackend(DataSource dataSource, SessionLockDialect dialect, String fenceTable) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.fenceTable = fenceTable;
    }

    static void createFenceTable(DataSource dataSource, String table) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + table
                    + " (lock_key VARCHAR(255) NOT NULL PRIMARY KEY, fence BIGINT NOT NULL)");
        }
    }

    @Override
    public String name() {
        return dialect.backendName;
    }

    @Override
    public long tryLock(String key, String owner, Duration lease) throws SQLException {
        Connection connection = dataSource.getConnection();
        boolean keep = false;
        try {
            connection.setAutoCommit(true);
            if (!queryBoolean(connection, dialect.tryLock, dialect.lockName(key))) {
                return 0;
            }
            long token;
            try {
                token = nextFence(connection, key);
            } catch (SQLException e) {
                release(connection, key);
                throw e;
            }
            pinned.put(owner, connection);
            keep = true;
            return token;
        } finally {
            if (!keep) {
                connection.close();
            }
        }
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        Connection connection = pinned.get(owner);
        if (connection == null) {
            return false;
        }
        try {
            return connection.isValid(Math.max(1, (int) Math.min(5, lease.toSeconds() / 3)));
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void unlock(String key, String owner) {
        Connection connection = pinned.remove(owner);
        if (connection != null) {
            release(connection, key);
        }
    }

    @Override
    public void close() {
        pinned.forEach((owner, connection) -> abort(connection));
        pinned.clear();
    }

    /** Unlocks on the session that holds the lock; if that fails, kills the session so the database frees it. */
    private void release(Connection connection, String key) {
        try {
            queryBoolean(connection, dialect.unlock, dialect.lockName(key));
            connection.close();
        } catch (SQLException | RuntimeException e) {
            abort(connection);
        }
    }

    private static void abort(Connection connection) {
        try {
            connection.abort(ABORT_INLINE);
        } catch (SQLException | RuntimeException ignored) {
            // nothing more to do: the database drops the session's locks when the socket closes
        }
    }

    private long nextFence(Connection connection, String key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(dialect.nextFence(fenceTable))) {
            statement.setString(1, key);
            if (dialect.fenceNeedsSelect()) {
                statement.executeUpdate();
                try (Statement select = connection.createStatement();
                        ResultSet rows = select.executeQuery("SELECT LAST_INSERT_ID()")) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static boolean queryBoolean(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return false;
                }
                Object value = rows.getObject(1); // PostgreSQL answers boolean, MySQL 1/0/NULL
                return value instanceof Boolean yes ? yes : value instanceof Number n && n.intValue() == 1;
            }
        }
    }
}
