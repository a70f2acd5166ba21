package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.sql.NetworkTimeoutDataSource;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import dev.ballast.lock.internal.JdbcDialect;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import dev.ballast.lock.internal.LockTables;
import dev.ballast.lock.internal.TablePrefix;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Factory of the portable JDBC table lock, for PostgreSQL, MySQL/MariaDB and H2. The table is {@code <prefix>lock}
 * (default {@code ballast_lock}); the prefix is validated as an identifier, so configuration cannot inject SQL.
 */
public final class JdbcLockStrategies {

    /**
     * How long a lock statement waits for the database's answer before the driver gives up on its connection ({@link
     * NetworkTimeoutDataSource}): an acquisition, renewal or release on a database that froze (a stalled primary, a
     * network cut that drops packets) fails after it instead of waiting forever, and renewals, which share one timer
     * thread, go on through new connections once a promoted standby answers. The lock's statements take milliseconds
     * and never wait on the server longer than another acquisition's transaction.
     */
    public static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(10);

    private JdbcLockStrategies() {}

    /**
     * The tables the shipped script creates with {@code tablePrefix} (what {@code createTable} runs): the locks, and the
     * resilient chain's mode row, which the same script creates. For a start-up check of your own, or a test that drops
     * them.
     *
     * @throws IllegalArgumentException for an invalid prefix
     */
    public static List<String> tableNames(String tablePrefix) {
        return List.of(TablePrefix.table(tablePrefix, "lock"), TablePrefix.table(tablePrefix, "lock_mode"));
    }

    /**
     * A JDBC lock strategy on {@code dataSource}.
     *
     * @param tablePrefix prefix of the lock table's name: letters, digits and '_', starting with a letter or '_'
     * @param createTable whether to create the table if it does not exist
     * @throws IllegalArgumentException for an invalid prefix
     * @throws IllegalStateException if the database is unsupported or unreachable at creation
     */
    public static LockStrategy create(
            DataSource dataSource, String tablePrefix, boolean createTable, LockListener listener, AlertSink alerts) {
        return builder(dataSource, tablePrefix, createTable)
                .listener(listener)
                .alerts(alerts)
                .build();
    }

    /**
     * A builder of JDBC lock strategies on {@code dataSource}; the table is set up when the strategy is built.
     *
     * @throws IllegalArgumentException for an invalid prefix
     */
    public static LockStrategyBuilder builder(DataSource dataSource, String tablePrefix, boolean createTable) {
        Objects.requireNonNull(dataSource, "dataSource");
        String table = TablePrefix.table(tablePrefix, "lock");
        return new LeaseStrategyBuilder(clock -> {
            try {
                if (createTable) {
                    LockTables.create(dataSource, tablePrefix);
                }
                JdbcDialect dialect;
                try (Connection connection = dataSource.getConnection()) {
                    dialect = JdbcDialect.of(connection);
                }
                return new JdbcLockBackend(new NetworkTimeoutDataSource(dataSource, NETWORK_TIMEOUT), dialect, table);
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "Cannot set up the JDBC lock table " + table + ": " + e.getMessage(), e);
            }
        });
    }
}
