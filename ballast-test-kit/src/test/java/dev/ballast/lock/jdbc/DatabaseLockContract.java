package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.testkit.lock.LockStrategyContract;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/**
 * The lock contract for a backend that keeps its tables in the database under test: each test gets its own table
 * prefix, the guarded resource rows live in the same database, and the backend's table is dropped afterwards.
 */
abstract class DatabaseLockContract extends LockStrategyContract {

    /** The prefix of this test's tables. */
    protected String prefix;

    /** The database under test. */
    protected abstract DataSource dataSource();

    /** A strategy of the backend under test, with its tables under {@code tablePrefix}. */
    protected abstract LockStrategy create(
            DataSource dataSource, String tablePrefix, LockListener listener, AlertSink alerts);

    /** The backend's tables with {@code tablePrefix}, as its strategy class lists them. */
    protected abstract List<String> tableNames(String tablePrefix);

    @Override
    protected final DataSource resources() {
        return dataSource();
    }

    @Override
    protected final LockStrategy create(LockListener listener) {
        prefix = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
        return create(dataSource(), prefix, listener, AlertSink.logging());
    }

    @AfterEach
    void dropBackendTable() throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }
}
