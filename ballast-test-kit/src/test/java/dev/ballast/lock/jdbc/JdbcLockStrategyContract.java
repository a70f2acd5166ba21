package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/** The lock contract on the JDBC lock table; "expiring" a lease moves its expiry into the past. */
abstract class JdbcLockStrategyContract extends DatabaseLockContract {

    @Override
    protected LockStrategy create(DataSource dataSource, String tablePrefix, LockListener listener, AlertSink alerts) {
        return JdbcLockStrategies.create(dataSource, tablePrefix, true, listener, alerts);
    }

    @Override
    protected String tableName() {
        return "lock";
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
}
