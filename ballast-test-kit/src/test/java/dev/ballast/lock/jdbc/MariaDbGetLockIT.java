package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lock.LockHandle;
import dev.ballast.test.LocalDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MariaDbGetLockIT extends SessionLockContract {

    @RegisterExtension
    static final LocalDatabase mariadb = LocalDatabase.mariadb();

    @Override
    protected DataSource dataSource() {
        return mariadb;
    }

    @Override
    protected void expireLease(String key) throws SQLException {
        try (Connection connection = mariadb.getConnection();
                PreparedStatement holder = connection.prepareStatement("SELECT IS_USED_LOCK(?)")) {
            holder.setString(1, SessionLockDialect.MYSQL_GET_LOCK.lockName(key));
            try (ResultSet rows = holder.executeQuery()) {
                if (rows.next() && rows.getObject(1) != null) {
                    try (Statement kill = connection.createStatement()) {
                        kill.execute("KILL CONNECTION " + rows.getLong(1));
                    }
                }
            }
        }
    }

    @Test
    void keysLongerThanMysqlsLockNameLimitAreHashedAndStillExclusive() {
        String longKey = "order-book:" + "x".repeat(200);
        try (LockHandle held = locks.tryAcquire(longKey, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(SessionLockDialect.MYSQL_GET_LOCK.lockName(longKey)).hasSize(64);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> locks.tryAcquire(longKey, Duration.ZERO, Duration.ofSeconds(5)))
                    .isInstanceOf(dev.ballast.lock.LockAcquisitionException.class);
        }
    }
}
