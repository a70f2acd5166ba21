package dev.ballast.lock.resilient;

import dev.ballast.lock.LockClock;
import dev.ballast.lock.internal.JdbcDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The shared record of which backend grants locks: one row {@code (mode, epoch, effective_at)} in {@code
 * <prefix>lock_mode}, with {@code effective_at} in database-clock microseconds. Every read also returns the database
 * clock, so instances judge {@code effective_at} by the database's time, not their own. Thread-safe.
 */
final class ModeAuthority {

    private final DataSource dataSource;
    private final LockClock clock;
    private final String table;
    private final String read;
    private final String insert;
    private final String compareAndSwitch;
    private final int queryTimeoutSeconds;

    ModeAuthority(DataSource dataSource, LockClock clock, JdbcDialect dialect, String table, int queryTimeoutSeconds) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.table = table;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
        this.read = "SELECT mode, epoch, effective_at, " + dialect.nowMicros() + ", changed_by FROM " + table
                + " WHERE id = 1";
        this.insert =
                "INSERT INTO " + table + " (id, mode, epoch, effective_at, changed_by) VALUES (1, 'PRIMARY', 1, 0, ?)";
        this.compareAndSwitch = "UPDATE " + table + " SET mode = ?, epoch = epoch + 1, effective_at = "
                + dialect.nowMicros() + " + ?, changed_by = ? WHERE id = 1 AND epoch = ?";
    }

    static void createTable(DataSource dataSource, String table) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + table + " (id INT NOT NULL PRIMARY KEY,"
                    + " mode VARCHAR(8) NOT NULL, epoch BIGINT NOT NULL, effective_at BIGINT NOT NULL,"
                    + " changed_by VARCHAR(128))");
        }
    }

    /** Reads the row (creating it in PRIMARY mode, epoch 1, on first use); {@code sentNanos} is taken before the query. */
    ModeView read(String instance) throws SQLException {
        long sentNanos = clock.nanoTime();
        try (Connection connection = dataSource.getConnection()) {
            ModeView view = query(connection, sentNanos);
            if (view != null) {
                return view;
            }
            try (PreparedStatement statement = connection.prepareStatement(insert)) {
                statement.setString(1, instance);
                statement.executeUpdate();
            } catch (SQLException e) {
                if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                    throw e; // 23xxx: another instance inserted it first, which is as good
                }
            }
            view = query(connection, sentNanos);
            if (view == null) {
                throw new SQLException("Lock mode row missing from " + table + " right after inserting it");
            }
            return view;
        }
    }

    /**
     * Moves the mode to {@code to} if the epoch is still {@code expectedEpoch}; the new mode takes effect {@code
     * delayMicros} after the database's now. False if another instance switched first.
     */
    boolean trySwitch(LockMode to, long expectedEpoch, long delayMicros, String instance) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(compareAndSwitch)) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            statement.setString(1, to.name());
            statement.setLong(2, delayMicros);
            statement.setString(3, instance);
            statement.setLong(4, expectedEpoch);
            return statement.executeUpdate() == 1;
        }
    }

    private @Nullable ModeView query(Connection connection, long sentNanos) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(read)) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                return new ModeView(
                        LockMode.valueOf(row.getString(1)),
                        row.getLong(2),
                        row.getLong(3),
                        row.getLong(4),
                        String.valueOf(row.getString(5)),
                        sentNanos,
                        clock.nanoTime());
            }
        }
    }
}
