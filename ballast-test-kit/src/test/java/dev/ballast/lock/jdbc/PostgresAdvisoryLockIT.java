package dev.ballast.lock.jdbc;

import dev.ballast.test.LocalDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresAdvisoryLockIT extends SessionLockContract {

    @RegisterExtension
    static final LocalDatabase postgres = LocalDatabase.postgres();

    @Override
    protected DataSource dataSource() {
        return postgres;
    }

    @Override
    protected void expireLease(String key) throws SQLException {
        try (Connection connection = postgres.getConnection();
                PreparedStatement kill = connection.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_locks"
                        + " WHERE locktype = 'advisory' AND granted"
                        + " AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(?, 0)")) {
            kill.setString(1, key);
            kill.execute();
        }
    }
}
