package dev.ballast.lock.resilient;

import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.testkit.lock.LockStrategyContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The lock contract on the resilient strategy with its default settings, in its primary mode: the JDBC lock table on H2
 * stands in for the primary, another table for the fallback, and the mode authority lives in the same H2 database.
 * Leases are kept by the database's clock, so time is real here.
 */
class ResilientLockContractTest extends LockStrategyContract {

    private final JdbcDataSource h2 = new JdbcDataSource();
    private final String primaryPrefix =
            "p" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";

    ResilientLockContractTest() {
        h2.setURL("jdbc:h2:mem:resilient-contract-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    @Override
    protected LockStrategy create(LockListener listener) {
        LockStrategy primary =
                JdbcLockStrategies.builder(h2, primaryPrefix, true).build();
        LockStrategy fallback = JdbcLockStrategies.builder(h2, "f_", true).build();
        return ResilientLockStrategy.builder(primary, fallback, h2)
                .createTable(true)
                .listener(listener)
                .build();
    }

    @Override
    protected void expireLease(String key) throws SQLException {
        try (Connection connection = h2.getConnection();
                PreparedStatement statement = connection.prepareStatement("UPDATE " + primaryPrefix
                        + "lock SET expires_at = TIMESTAMP '2000-01-01 00:00:00' WHERE lock_key = ?")) {
            statement.setString(1, key);
            statement.executeUpdate();
        }
    }

    @Override
    protected DataSource resources() {
        return h2;
    }
}
