package dev.ballast.lock.resilient;

import dev.ballast.core.sql.SqlStates;
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
 * The shared record of which backend grants locks: one row {@code (mode, epoch, effective_at, primary_failed_at)} in
 * {@code <prefix>lock_mode}, with {@code effective_at} in database-clock microseconds. Every read also returns the
 * database clock, so instances judge {@code effective_at} by the database's time, not their own.
 *
 * <p>{@code primary_failed_at} is the latest failure of the primary that any instance recorded (database clock, always
 * rising: a recording sets it to {@code max(now, previous + 1)}). A switch to the fallback records one; the automatic
 * return to the primary succeeds only if no instance recorded one since the proposer read the row (compare-and-set on
 * the epoch and this marker), so an instance that still sees failures keeps everyone on the fallback. Thread-safe.
 */
final class ModeAuthority {

    private final DataSource dataSource;
    private final LockClock clock;
    private final String table;
    private final String read;
    private final String insert;
    private final String compareAndSwitch;
    private final String failOver;
    private final String returnIfQuiet;
    private final String recordFailure;
    private final String hasFailureColumn;
    private final String addFailureColumn;
    private final int queryTimeoutSeconds;

    ModeAuthority(DataSource dataSource, LockClock clock, JdbcDialect dialect, String table, int queryTimeoutSeconds) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.table = table;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
        String now = dialect.nowMicros();
        String failedNow = "CASE WHEN primary_failed_at < " + now + " THEN " + now + " ELSE primary_failed_at + 1 END";
        this.read = "SELECT mode, epoch, effective_at, " + now + ", changed_by, primary_failed_at FROM " + table
                + " WHERE id = 1";
        this.insert =
                "INSERT INTO " + table + " (id, mode, epoch, effective_at, changed_by) VALUES (1, 'PRIMARY', 1, 0, ?)";
        this.compareAndSwitch = "UPDATE " + table + " SET mode = ?, epoch = epoch + 1, effective_at = " + now
                + " + ?, changed_by = ? WHERE id = 1 AND epoch = ?";
        this.failOver = "UPDATE " + table + " SET mode = 'FALLBACK', epoch = epoch + 1, effective_at = " + now
                + " + ?, changed_by = ?, primary_failed_at = " + failedNow + " WHERE id = 1 AND epoch = ?";
        this.returnIfQuiet = "UPDATE " + table + " SET mode = 'PRIMARY', epoch = epoch + 1, effective_at = " + now
                + " + ?, changed_by = ? WHERE id = 1 AND epoch = ? AND primary_failed_at = ?";
        this.recordFailure = "UPDATE " + table + " SET primary_failed_at = " + failedNow + " WHERE id = 1";
        this.hasFailureColumn = "SELECT primary_failed_at FROM " + table + " WHERE 1 = 0";
        this.addFailureColumn = "ALTER TABLE " + table + " ADD COLUMN primary_failed_at BIGINT DEFAULT 0 NOT NULL";
    }

    /**
     * Makes sure the table has {@code primary_failed_at} (added by the V2 script): adds it if {@code create}, else fails
     * naming the script.
     *
     * @throws MissingModeColumnException if the column is missing and may not be added
     * @throws SQLException if the database fails
     */
    void requireFailureColumn(boolean create) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            try {
                statement.executeQuery(hasFailureColumn).close();
                return;
            } catch (SQLException missing) {
                if (!create) {
                    throw new MissingModeColumnException(
                            table,
                            "primary_failed_at",
                            "db/ballast/lock/" + scriptFolder(connection),
                            "V2__ballast_lock_mode_failures.sql",
                            missing);
                }
            }
            if (!connection.getAutoCommit()) {
                connection.rollback(); // PostgreSQL refuses further statements in a failed transaction
            }
            try {
                statement.execute(addFailureColumn);
            } catch (SQLException raced) {
                statement.executeQuery(hasFailureColumn).close(); // another instance added it: fine; else fails
            }
        }
    }

    /** The folder of {@code db/ballast/lock} that holds this database's scripts. */
    private static String scriptFolder(Connection connection) {
        try {
            return JdbcDialect.of(connection).folder();
        } catch (SQLException | RuntimeException unknown) {
            return "<database>";
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
                if (!SqlStates.isIntegrityViolation(e)) {
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

    /**
     * Moves the mode to the fallback if the epoch is still {@code expectedEpoch}, effective {@code delayMicros} after the
     * database's now, and records a failure of the primary. False if another instance switched first.
     */
    boolean tryFailOver(long expectedEpoch, long delayMicros, String instance) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(failOver)) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            statement.setLong(1, delayMicros);
            statement.setString(2, instance);
            statement.setLong(3, expectedEpoch);
            return statement.executeUpdate() == 1;
        }
    }

    /**
     * Moves the mode back to the primary if the epoch is still {@code expectedEpoch} and no failure was recorded since
     * {@code seenFailureMicros} (the proposer's reading of {@code primary_failed_at}). False otherwise.
     */
    boolean tryReturn(long expectedEpoch, long seenFailureMicros, long delayMicros, String instance)
            throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(returnIfQuiet)) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            statement.setLong(1, delayMicros);
            statement.setString(2, instance);
            statement.setLong(3, expectedEpoch);
            statement.setLong(4, seenFailureMicros);
            return statement.executeUpdate() == 1;
        }
    }

    /** Records that this instance saw the primary fail: {@code primary_failed_at} moves to the database's now. */
    void recordFailure() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(recordFailure)) {
            statement.setQueryTimeout(queryTimeoutSeconds);
            statement.executeUpdate();
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
                        row.getLong(6),
                        sentNanos,
                        clock.nanoTime());
            }
        }
    }
}
