package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The lock contract on the JDBC lock table; "expiring" a lease moves its expiry into the past. */
abstract class JdbcLockStrategyContract extends DatabaseLockContract {

    @Override
    protected LockStrategy create(DataSource dataSource, String tablePrefix, LockListener listener, AlertSink alerts) {
        return JdbcLockStrategies.create(dataSource, tablePrefix, true, listener, alerts);
    }

    @Override
    protected List<String> tableNames(String tablePrefix) {
        return JdbcLockStrategies.tableNames(tablePrefix);
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

    @Test
    void theLockRowNamesTheProcessThatHoldsItUntilReleased() throws SQLException {
        String key = "owner:" + UUID.randomUUID();
        String process = ManagementFactory.getRuntimeMXBean().getName();
        String expected = process.substring(0, Math.min(27, process.length()));
        String first;
        try (LockHandle held = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            first = owner(key);
        }
        assertThat(owner(key)).as("released").isNull();
        String second;
        try (LockHandle held = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            second = owner(key);
        }
        assertThat(first).startsWith(expected + "/").hasSizeLessThanOrEqualTo(64);
        assertThat(second).startsWith(expected + "/").isNotEqualTo(first);
    }

    private @Nullable String owner(String key) throws SQLException {
        try (Connection connection = dataSource().getConnection();
                PreparedStatement statement =
                        connection.prepareStatement("SELECT owner FROM " + prefix + "lock WHERE lock_key = ?")) {
            statement.setString(1, key);
            try (ResultSet row = statement.executeQuery()) {
                assertThat(row.next()).as("the key's row").isTrue();
                return row.getString(1);
            }
        }
    }
}
