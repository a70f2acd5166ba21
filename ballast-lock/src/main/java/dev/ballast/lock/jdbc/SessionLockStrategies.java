package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import dev.ballast.lock.internal.JdbcDialect;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import dev.ballast.lock.internal.TablePrefix;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Factory of the database-native session locks: PostgreSQL advisory locks and MySQL/MariaDB {@code GET_LOCK}, chosen
 * from the database behind the DataSource. Each held lock pins one pooled connection; size the pool for it.
 */
public final class SessionLockStrategies {

    private SessionLockStrategies() {}

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
                return new SessionLockBackend(dataSource, dialect, table);
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot set up session locks (" + table + "): " + e.getMessage(), e);
            }
        });
    }
}
