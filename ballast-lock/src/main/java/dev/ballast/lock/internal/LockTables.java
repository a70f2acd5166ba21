package dev.ballast.lock.internal;

import dev.ballast.core.sql.SqlScript;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Creates the lock tables the way the shipped script does: {@code db/ballast/lock/<database>/V1__ballast_lock.sql}
 * ({@code <prefix>lock} and {@code <prefix>lock_mode}, IF NOT EXISTS), so the tables a builder's {@code createTable}
 * makes are the ones migrations make. The V2 column of the mode table is added by the resilient strategy, which checks
 * for it anyway. Stateless.
 */
public final class LockTables {

    private LockTables() {}

    /**
     * Runs the V1 script with {@code prefix} on the database behind {@code dataSource}.
     *
     * @throws IllegalArgumentException for an invalid prefix
     * @throws IllegalStateException if the database is not one Ballast ships scripts for
     */
    public static void create(DataSource dataSource, String prefix) throws SQLException {
        TablePrefix.table(prefix, "lock");
        try (Connection connection = dataSource.getConnection()) {
            SqlScript.load(
                            LockTables.class.getClassLoader(),
                            "db/ballast/lock/" + JdbcDialect.of(connection).folder() + "/V1__ballast_lock.sql")
                    .withTablePrefix(prefix)
                    .run(connection);
        }
    }
}
