package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.test.LocalDatabases;
import java.sql.Connection;
import java.sql.Statement;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresTransactionLocksIT {

    private static final HikariDataSource postgres = LocalDatabases.postgres();
    private static final String PREFIX =
            "x" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

    @BeforeAll
    static void createFenceTable() {
        SessionLockStrategies.create(postgres, PREFIX, true, LockListener.none(), AlertSink.logging())
                .close();
    }

    @AfterAll
    static void dropFenceTable() throws Exception {
        try (Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + PREFIX + "lock_fence");
        }
        postgres.close();
    }

    @Test
    void theLockLastsUntilTheHoldersTransactionEndsAndTheNextTokenIsHigher() throws Exception {
        String key = "xact:" + UUID.randomUUID();
        try (Connection first = postgres.getConnection();
                Connection second = postgres.getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);

            OptionalLong firstToken = PostgresTransactionLocks.tryLock(first, key, PREFIX);
            assertThat(firstToken).isPresent();
            assertThat(PostgresTransactionLocks.tryLock(second, key, PREFIX)).isEmpty();
            second.rollback();

            first.commit();
            OptionalLong secondToken = PostgresTransactionLocks.tryLock(second, key, PREFIX);
            assertThat(secondToken).isPresent();
            assertThat(secondToken.getAsLong()).isGreaterThan(firstToken.getAsLong());
            second.commit();
        }
    }

    @Test
    void refusesAConnectionWithoutATransaction() throws Exception {
        try (Connection autoCommit = postgres.getConnection()) {
            assertThatThrownBy(() -> PostgresTransactionLocks.tryLock(autoCommit, "k", PREFIX))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("needs the caller's transaction");
        }
    }
}
