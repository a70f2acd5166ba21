package dev.ballast.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.test.Eventually;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A relay cut off from PostgreSQL in the middle of a transaction gives up on its connection after the network timeout
 * ({@code FrozenDatabaseIT}), but the server keeps the transaction, and the row locks of a claim, until it notices the
 * client gone (TCP keepalive: two hours by default); other relays pass those aggregates by ({@code SKIP LOCKED}) until
 * then. Seen while building {@code FrozenDatabaseIT}: a freeze that caught a claim left its 20 aggregates' events
 * pending after every other event was published. A relay transaction now tells the server to end it when the relay
 * goes silent in it for longer than the network timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RelayTransactionsIT {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private final String table =
            "relaytx" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private final ExecutorService relay = Executors.newSingleThreadExecutor();
    private OutboxTables tables;
    private PGSimpleDataSource database;

    @BeforeEach
    void createTable() throws SQLException {
        database = new PGSimpleDataSource();
        database.setURL(URL);
        database.setUser("postgres");
        try (Connection connection = database.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY)");
            statement.execute("INSERT INTO " + table + " VALUES (1)");
            tables = OutboxTables.of(connection, "ballast_");
        }
    }

    @AfterEach
    void dropTable() throws SQLException {
        relay.shutdownNow();
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    @Test
    void aRelayTransactionWhoseRelayFallsSilentInItIsEndedByTheServerAndItsLocksGo() throws Exception {
        RelayTransactions transactions = new RelayTransactions(database, tables, true, Duration.ofSeconds(1));
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch silent = new CountDownLatch(1);
        Future<Object> claim = relay.submit(() -> transactions.run(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement
                        .executeQuery("SELECT id FROM " + table + " WHERE id = 1 FOR UPDATE")
                        .close();
            }
            locked.countDown();
            try {
                silent.await(30, TimeUnit.SECONDS); // the relay says nothing more in its transaction
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));

        assertThat(locked.await(10, TimeUnit.SECONDS))
                .as("the relay's transaction locked the row")
                .isTrue();
        assertThat(lockable())
                .as("the row, while the relay's transaction holds it")
                .isFalse();

        Eventually.within(
                Duration.ofSeconds(10), "the row locked by the silent relay's transaction free again", this::lockable);
        assertThat(claim).as("the silent relay, still in its transaction").isNotDone();

        silent.countDown();
        assertThatThrownBy(() -> claim.get(10, TimeUnit.SECONDS))
                .as("its transaction was ended by the server: nothing of it commits")
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SQLException.class);
    }

    /** Whether another session can lock the row at once. */
    private boolean lockable() {
        try (Connection connection = database.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement
                    .executeQuery("SELECT id FROM " + table + " WHERE id = 1 FOR UPDATE NOWAIT")
                    .close();
            connection.rollback();
            return true;
        } catch (SQLException e) {
            return false; // 55P03: still locked
        }
    }
}
