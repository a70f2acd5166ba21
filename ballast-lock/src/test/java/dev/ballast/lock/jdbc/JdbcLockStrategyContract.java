package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** The lock contract on a JDBC database; each test gets its own lock table. */
abstract class JdbcLockStrategyContract extends LockStrategyContract {

    private String prefix;

    /** The database under test. */
    protected abstract DataSource dataSource();

    @Override
    protected DataSource resources() {
        return dataSource();
    }

    @Override
    protected LockStrategy create(LockListener listener) {
        prefix = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
        return JdbcLockStrategies.create(dataSource(), prefix, true, listener, AlertSink.logging());
    }

    @Override
    protected void expireLease(String key) throws SQLException {
        try (Connection connection = dataSource().getConnection();
                PreparedStatement statement = connection.prepareStatement("UPDATE " + prefix
                        + "lock SET expires_at = TIMESTAMP '2000-01-01 00:00:00' WHERE lock_key = ?")) {
            statement.setString(1, key);
            statement.executeUpdate();
        }
    }

    @AfterEach
    void dropLockTable() throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + prefix + "lock");
        }
    }
}
