package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.sql.NetworkTimeoutDataSource;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import dev.ballast.lock.internal.JdbcDialect;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import dev.ballast.lock.internal.TablePrefix;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Factory of the database-native session locks: PostgreSQL advisory locks and MySQL/MariaDB {@code GET_LOCK}, chosen
 * from the database behind the DataSource. Each held lock pins one pooled connection; size the pool for it. A lock
 * statement that gets no answer from the database (a frozen primary, packets dropped) fails after {@link
 * JdbcLockStrategies#NETWORK_TIMEOUT} and its connection is closed (the database frees a lost session's locks once
 * it notices the session is gone).
 */
public final class SessionLockStrategies {

    private SessionLockStrategies() {}

    /**
     * The table a session-lock strategy with {@code tablePrefix} creates: its fencing counters. For a start-up check of
     * your own, or a test that drops it.
     *
     * @throws IllegalArgumentException for an invalid prefix
     */
    public static List<String> tableNames(String tablePrefix) {
        return List.of(fenceTable(tablePrefix));
    }

    /** {@code <prefix>lock_fence}, after checking the prefix is a plain identifier. */
    static String fenceTable(String tablePrefix) {
        return TablePrefix.table(tablePrefix, "lock_fence");
    }

    /**
     * A session-lock strategy on {@code dataSource}; fencing tokens live in {@code <prefix>lock_fence}.
     *
     * @throws IllegalArgumentException for an invalid prefix
     * @throws IllegalStateException for a database other than PostgreSQL or MySQL/MariaDB, or one unreachable now
     */
    public static LockStrategy create(
            DataSource dataSource, String tablePrefix, boolean createTable, LockListener listener, AlertSink alerts) {
        return builder(dataSource, tablePrefix, createTable)
                .listener(listener)
                .alerts(alerts)
                .build();
    }

    /**
     * A builder of session-lock strategies on {@code dataSource}; the database is checked and the fence table set up
     * when the strategy is built.
     *
     * @throws IllegalArgumentException for an invalid prefix
     */
    public static LockStrategyBuilder builder(DataSource dataSource, String tablePrefix, boolean createTable) {
        Objects.requireNonNull(dataSource, "dataSource");
        String table = fenceTable(tablePrefix);
        return new LeaseStrategyBuilder(clock -> {
            try {
                SessionLockDialect dialect;
                try (Connection connection = dataSource.getConnection()) {
                    dialect = switch (JdbcDialect.of(connection)) {
                        case POSTGRESQL -> SessionLockDialect.POSTGRESQL_ADVISORY;
                        case MARIADB -> SessionLockDialect.MYSQL_GET_LOCK;
                        case H2 ->
                            throw new IllegalStateException(
                                    "H2 has no session locks; use JdbcLockStrategies (the lock table) on H2");
                    };
                }
                if (createTable) {
                    SessionLockBackend.createFenceTable(dataSource, table);
                }
                // the lock's statements never wait on the server (a try-lock, an unlock, one fence upsert): a session
                // that stops answering fails them after the network timeout instead of holding its caller forever
                return new SessionLockBackend(
                        new NetworkTimeoutDataSource(dataSource, JdbcLockStrategies.NETWORK_TIMEOUT), dialect, table);
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot set up session locks (" + table + "): " + e.getMessage(), e);
            }
        });
    }
}
