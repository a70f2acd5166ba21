package dev.ballast.lock;

import dev.ballast.lock.internal.CurrentHolds;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A JDBC update that is applied only if the writer's fencing token is newer than the last one stored for the row:
 * {@code UPDATE t SET a = ?, b = ?, fence = ? WHERE id = ? AND fence < ?}. A holder that was paused past its lease and
 * wakes up after another holder wrote is rejected by the database, not by its own (stale) belief that it holds the lock.
 *
 * <p>Immutable and thread-safe; build once per table, then call {@link #apply}.
 */
public final class FencedWrite {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final String sql;
    private final String[] columns;

    private FencedWrite(String table, String idColumn, String fenceColumn, String[] columns) {
        this.columns = columns;
        StringBuilder set = new StringBuilder();
        for (String column : columns) {
            set.append(column).append(" = ?, ");
        }
        this.sql = "UPDATE " + table + " SET " + set + fenceColumn + " = ? WHERE " + idColumn + " = ? AND "
                + fenceColumn + " < ?";
    }

    /**
     * A fenced update of {@code columns} in {@code table}, rows identified by {@code idColumn}, tokens stored in {@code
     * fenceColumn} (a BIGINT, initially 0). All names must be plain SQL identifiers.
     */
    public static FencedWrite of(String table, String idColumn, String fenceColumn, String... columns) {
        requireIdentifier("table", table);
        requireIdentifier("idColumn", idColumn);
        requireIdentifier("fenceColumn", fenceColumn);
        if (columns.length == 0) {
            throw new IllegalArgumentException("A fenced write needs at least one column to set");
        }
        for (String column : columns) {
            requireIdentifier("column", column);
        }
        return new FencedWrite(table, idColumn, fenceColumn, columns.clone());
    }

    /**
     * Applies the update on {@code connection} (in the caller's transaction).
     *
     * @param values one value per column, in the order the columns were given
     * <p>An accepted write inside {@code executeWithLock}, {@code executeWithLocks} or a {@code @DistributedLock}
     * method whose lock holds {@code token} keeps the guarded work's result if the lease runs out before the work
     * returns: the database, not the lease, decided that no newer holder had written (see {@link
     * dev.ballast.lock.LockStrategy#executeWithLock}).
     *
     * @return true if the row was updated; false if the stored token is not older than {@code token} (a newer holder
     *     wrote) or the row does not exist
     */
    public boolean apply(Connection connection, Object id, long token, Object... values) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        if (values.length != columns.length) {
            throw new IllegalArgumentException("Expected " + columns.length + " values for "
                    + String.join(", ", columns) + ", got " + values.length);
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int index = 1;
            for (Object value : values) {
                statement.setObject(index++, value);
            }
            statement.setLong(index++, token);
            statement.setObject(index++, id);
            statement.setLong(index, token);
            boolean accepted = statement.executeUpdate() == 1;
            if (accepted) {
                CurrentHolds.fencedWriteAccepted(token);
            }
            return accepted;
        }
    }

    /**
     * The fencing token of the lock on {@code key} that the calling thread holds inside {@code executeWithLock},
     * {@code executeWithLocks} or a {@code @DistributedLock} method: what a fenced write of the guarded data carries,
     * so that a holder paused past its lease is refused by the database once a newer holder wrote.
     *
     * @throws IllegalStateException if the thread holds no lock on {@code key} that way
     */
    public static long currentToken(String key) {
        return CurrentHolds.tokenOf(key)
                .orElseThrow(() -> new IllegalStateException("This thread holds no lock on '" + key
                        + "' through executeWithLock, executeWithLocks or @DistributedLock"));
    }

    /** The SQL this write runs, for logs and reviews. */
    public String sql() {
        return sql;
    }

    private static void requireIdentifier(String what, String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what + " must be a plain SQL identifier (letters, digits, '_', not starting with a digit), was '"
                            + name + "'");
        }
    }
}
