package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.test.Eventually;
import dev.ballast.test.FaultProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JDBC lock on a database that stops answering (a frozen primary, a network cut that drops packets) while new
 * connections already reach one that answers (a promoted standby). Renewals share one timer thread; before the lock's
 * network timeout, a renewal on a connection that lost its server waited for an answer forever (pgjdbc waits without
 * end unless the URL sets socketTimeout), and no lease of the strategy was renewed again, also after the failover.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FrozenLockDatabaseIT {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private final String prefix =
            "frozenlock" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";

    @AfterEach
    void dropTable() throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "");
                Statement statement = connection.createStatement()) {
            for (String table : JdbcLockStrategies.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void renewalsGoOnThroughNewConnectionsAfterARenewalsConnectionLostItsServer() throws Exception {
        AtomicBoolean failedOver = new AtomicBoolean();
        try (FaultProxy proxy = FaultProxy.start(5432)) {
            ThreadStickyPool pool = ThreadStickyPool.postgres(proxy, failedOver);
            try (LockStrategy locks = JdbcLockStrategies.builder(pool.dataSource(), prefix, true)
                    .listener(LockListener.none())
                    .alerts(AlertSink.logging())
                    .build()) {
                LockHandle before = locks.tryAcquire("before", Duration.ZERO, Duration.ofSeconds(3));
                assertThat(before.isValid()).isTrue();
                Timestamp taken = expiresAt("before");
                Eventually.within(Duration.ofSeconds(10), "the first lease renewed", () -> expiresAt("before")
                        .after(taken));

                failedOver.set(true); // new connections reach the server directly
                // the pooled connections lose their server without a word, as when the primary they were on is gone
                proxy.halfOpen();

                // taken on a thread of its own, so on a new connection: straight to the server; its lease outlasts the
                // network timeout, and its first renewal is due a third of it later, once the timer thread is free
                try (LockHandle after = CompletableFuture.supplyAsync(
                                () -> locks.tryAcquire("after", Duration.ofSeconds(5), Duration.ofSeconds(30)),
                                task -> Thread.ofPlatform().start(task))
                        .get(20, TimeUnit.SECONDS)) {
                    assertThat(after.isValid()).isTrue();
                    Timestamp afterTaken = expiresAt("after");
                    Eventually.within(
                            Duration.ofSeconds(30),
                            "a lease taken after the failover renewed (its renewal on the timer thread, behind the"
                                    + " renewal caught on a connection that lost its server)",
                            () -> expiresAt("after").after(afterTaken));
                } finally {
                    proxy.close(); // on failure, ends the connection a renewal is stuck on
                    before.close();
                }
            }
        }
    }

    /** When {@code key}'s lease ends, as the lock table has it. */
    private Timestamp expiresAt(String key) {
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "");
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT expires_at FROM " + prefix + "lock WHERE lock_key LIKE ?")) {
            statement.setString(1, "%" + key);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    throw new AssertionError("no lock row for " + key);
                }
                return rows.getTimestamp(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
