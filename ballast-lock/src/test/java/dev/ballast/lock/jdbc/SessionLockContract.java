package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyContract;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/**
 * The lock contract on database session locks. "Expiring" a lease means killing the session that holds the lock, which
 * is how such a lock is lost in production (network drop, server restart, idle timeout).
 */
abstract class SessionLockContract extends LockStrategyContract {

    private String prefix;

    protected abstract DataSource dataSource();

    @Override
    protected DataSource resources() {
        return dataSource();
    }

    @Override
    protected LockStrategy create(LockListener listener) {
        prefix = "s" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
        return SessionLockStrategies.create(dataSource(), prefix, true, listener, AlertSink.logging());
    }

    @AfterEach
    void dropFenceTable() throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + prefix + "lock_fence");
        }
    }
}
