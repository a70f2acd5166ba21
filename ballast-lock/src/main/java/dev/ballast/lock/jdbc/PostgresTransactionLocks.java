package dev.ballast.lock.jdbc;

import dev.ballast.lock.LockKeys;
import dev.ballast.lock.internal.FencingTokens;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * PostgreSQL advisory locks scoped to the caller's transaction ({@code pg_try_advisory_xact_lock}): released by the
 * database at commit or rollback, so there is nothing to release and nothing to leak into a pooled connection. The
 * fencing token is incremented in the same transaction (table {@code <prefix>lock_fence}, created by {@link
 * SessionLockStrategies} or by the application's migrations): if the transaction rolls back, so does the token, along
 * with every write it guarded. Tokens are scaled like every strategy's (see {@code LockHandle#fencingToken}), so they
 * compare with those of session locks on the same key.
 */
public final class PostgresTransactionLocks {

    private PostgresTransactionLocks() {}

    /**
     * Tries once to lock {@code key} until the end of the transaction open on {@code connection}.
     *
     * @return the fencing token if acquired, empty if another transaction holds the key
     * @throws IllegalStateException if {@code connection} is in auto-commit mode (there would be no transaction to
     *     bind the lock to)
     */
    public static OptionalLong tryLock(Connection connection, String key, String tablePrefix) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        LockKeys.requireValid(key);
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("A transaction-scoped lock needs the caller's transaction, but the"
                    + " connection is in auto-commit mode");
        }
        try (PreparedStatement lock =
                connection.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))")) {
            lock.setString(1, key);
            try (ResultSet rows = lock.executeQuery()) {
                if (!rows.next() || !rows.getBoolean(1)) {
                    return OptionalLong.empty();
                }
            }
        }
        String table = SessionLockStrategies.fenceTable(tablePrefix);
        try (PreparedStatement fence =
                connection.prepareStatement(SessionLockDialect.POSTGRESQL_ADVISORY.nextFence(table))) {
            fence.setString(1, key);
            try (ResultSet rows = fence.executeQuery()) {
                rows.next();
                return OptionalLong.of(FencingTokens.of(rows.getLong(1), 0));
            }
        }
    }
}
