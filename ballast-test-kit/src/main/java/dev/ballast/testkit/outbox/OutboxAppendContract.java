package dev.ballast.testkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.outbox.Appended;
import dev.ballast.outbox.CommandOutcome;
import dev.ballast.outbox.IdempotencyConflictException;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxMessage;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The outbox contract's clauses on appending: an event commits and rolls back with the caller's transaction, is
 * idempotent by request id (also when two transactions race), an idempotent command applies its business write once
 * (also on two instances at once), and oversized or invalid events are refused. Part of {@link OutboxContract}, which
 * a test extends.
 */
public abstract class OutboxAppendContract extends OutboxFixture {

    /** Creates the contract; JUnit calls it once per test. */
    protected OutboxAppendContract() {}

    // ---- append, transactions, idempotency

    @Test
    void anEventCommitsAndRollsBackWithTheCallersTransaction() throws Exception {
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(false);
            outbox.append(connection, event("r-rolled-back", "O-1", "{\"n\":1}"));
            connection.rollback();
            outbox.append(connection, event("r-committed", "O-1", "{\"n\":2}"));
            connection.commit();
        }
        relay().build().drain();

        assertThat(recorder.bodies()).containsExactly("{\"n\":2}");
        assertThat(recorder.published().getFirst().aggregateSequence()).isEqualTo(1);
        assertThat(recorder.published().getFirst().headers()).containsEntry("source", "test");
    }

    @Test
    void appendRefusesAnAutoCommitConnection() throws Exception {
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(true);
            assertThatThrownBy(() -> outbox.append(connection, event("r-1", "O-1", "{}")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("inside a transaction");
        }
        assertThat(count("outbox")).isZero();
    }

    @Test
    void theSameRequestTwiceStoresOneEventAndReturnsTheFirstId() throws Exception {
        Appended first = append(event("r-1", "O-1", "{\"qty\":10}"));
        Appended second = append(event("r-1", "O-1", "{\"qty\":10}"));

        assertThat(first.duplicate()).isFalse();
        assertThat(second).isEqualTo(new Appended(first.eventId(), true));
        assertThat(count("outbox")).isEqualTo(1);
        assertThat(registry.get("ballast.outbox.appended").counter().count()).isEqualTo(1);

        relay().build().drain();
        assertThat(append(event("r-1", "O-1", "{\"qty\":10}")))
                .as("a repeat after publishing")
                .isEqualTo(new Appended(first.eventId(), true));
        assertThat(parkedAggregates())
                .as("the repeat left the idle aggregate parked")
                .isEqualTo(1);
    }

    @Test
    void theSameRequestWithOtherContentIsAConflictAndWritesNothing() throws Exception {
        Appended first = append(event("r-1", "O-1", "{\"qty\":10}"));

        assertThatThrownBy(() -> append(event("r-1", "O-1", "{\"qty\":11}")))
                .isInstanceOfSatisfying(IdempotencyConflictException.class, conflict -> {
                    assertThat(conflict.requestId()).isEqualTo("r-1");
                    assertThat(conflict.existingEventId()).isEqualTo(first.eventId());
                    assertThat(ExceptionClassifier.defaults().classify(conflict))
                            .as("a client's mistake, logged without alarm")
                            .isEqualTo(ErrorCategory.BUSINESS);
                });
        assertThat(count("outbox")).isEqualTo(1);
    }

    @Test
    void racingTransactionsWithOneRequestIdStoreOneEvent() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch firstAppended = new CountDownLatch(1);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            Future<Appended> first = pool.submit(() -> {
                try (Connection connection = dataSource().getConnection()) {
                    connection.setAutoCommit(false);
                    Appended appended = outbox.append(connection, event("r-race", "O-9", "{}"));
                    firstAppended.countDown();
                    releaseFirst.await();
                    connection.commit();
                    return appended;
                }
            });
            assertThat(firstAppended.await(10, TimeUnit.SECONDS)).isTrue();
            Future<Appended> second = pool.submit(() -> append(event("r-race", "O-9", "{}")));
            LockWaits.awaitASessionBlockedOnALock(
                    dataSource()); // the second append is now waiting on the first transaction's locks
            releaseFirst.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS).duplicate()).isFalse();
            assertThat(second.get(10, TimeUnit.SECONDS))
                    .isEqualTo(new Appended(first.get().eventId(), true));
            assertThat(count("outbox")).isEqualTo(1);
            append(event("r-after-race", "O-9", "{}"));
            relay().build().drain();
            assertThat(recorder.published())
                    .extracting(OutboxMessage::aggregateSequence)
                    .containsExactly(1L, 2L); // the loser gave its sequence number back
            assertParkedExactlyWhenIdle();
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- idempotent commands: the business write runs once per request id

    private final AtomicInteger commandRuns = new AtomicInteger();

    /** Credits the wallet and appends its event: the business side effect a repeat must not apply again. */
    private CommandOutcome credit(Outbox on, Connection connection, String requestId, String amount)
            throws SQLException {
        return on.executeOnce(connection, requestId, ("credit W-1 " + amount).getBytes(StandardCharsets.UTF_8), c -> {
            commandRuns.incrementAndGet();
            try (PreparedStatement update =
                    c.prepareStatement("UPDATE " + prefix + "wallet SET balance = balance + ? WHERE id = 'W-1'")) {
                update.setBigDecimal(1, new java.math.BigDecimal(amount));
                update.executeUpdate();
            }
            Appended appended = on.append(c, event(requestId, "W-1", "{\"credited\":\"" + amount + "\"}"));
            return "{\"eventId\":\"" + appended.eventId() + "\"}";
        });
    }

    private CommandOutcome creditCommitted(Outbox on, DataSource database, String requestId, String amount)
            throws SQLException {
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            try {
                CommandOutcome outcome = credit(on, connection, requestId, amount);
                connection.commit();
                return outcome;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private void createWallet() throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + prefix + "wallet (id VARCHAR(10) PRIMARY KEY, balance DECIMAL(19, 2))");
            statement.execute("INSERT INTO " + prefix + "wallet VALUES ('W-1', 0)");
        }
    }

    private String walletBalance() throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT balance FROM " + prefix + "wallet WHERE id = 'W-1'")) {
            row.next();
            return row.getBigDecimal(1).setScale(2).toPlainString();
        }
    }

    @Test
    void aRepeatedCommandAppliesItsBusinessWriteOnceAndGetsTheFirstOutcome() throws Exception {
        createWallet();
        String requestId = "wallet:" + "k".repeat(193); // 200 characters, the longest accepted

        CommandOutcome first = creditCommitted(outbox, dataSource(), requestId, "5.00");
        CommandOutcome again = creditCommitted(outbox, dataSource(), requestId, "5.00");

        assertThat(first.repeated()).isFalse();
        assertThat(again).isEqualTo(new CommandOutcome(first.outcome(), true));
        assertThat(walletBalance()).isEqualTo("5.00");
        assertThat(commandRuns).hasValue(1);
        assertThat(count("outbox")).isEqualTo(1);
    }

    @Test
    void aCommandWithTheSameIdAndAnotherRequestIsAConflictAndChangesNothing() throws Exception {
        createWallet();
        creditCommitted(outbox, dataSource(), "wallet:k-1", "5.00");

        assertThatThrownBy(() -> creditCommitted(outbox, dataSource(), "wallet:k-1", "7.00"))
                .isInstanceOf(IdempotencyConflictException.class)
                .hasMessageContaining("wallet:k-1");
        assertThat(walletBalance()).isEqualTo("5.00");
        assertThat(commandRuns).hasValue(1);
    }

    @Test
    void aCommandThatFailsRollsItsClaimBackSoARetryRuns() throws Exception {
        createWallet();
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(false);
            assertThatThrownBy(() -> outbox.executeOnce(connection, "wallet:k-2", new byte[] {1}, c -> {
                        throw new SQLException("business rule failed");
                    }))
                    .hasMessage("business rule failed");
            connection.rollback();
        }

        assertThat(creditCommitted(outbox, dataSource(), "wallet:k-2", "5.00").repeated())
                .isFalse();
        assertThat(walletBalance()).isEqualTo("5.00");
    }

    @Test
    void racingCommandsWithOneRequestIdOnTwoInstancesApplyTheBusinessWriteOnce() throws Exception {
        createWallet();
        Outbox other = Outbox.builder(secondInstance()).tablePrefix(prefix).build();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch firstRan = new CountDownLatch(1);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            Future<CommandOutcome> first = pool.submit(() -> {
                try (Connection connection = dataSource().getConnection()) {
                    connection.setAutoCommit(false);
                    CommandOutcome outcome = credit(outbox, connection, "wallet:race", "5.00");
                    firstRan.countDown();
                    releaseFirst.await();
                    connection.commit();
                    return outcome;
                }
            });
            assertThat(firstRan.await(10, TimeUnit.SECONDS)).isTrue();
            Future<CommandOutcome> second =
                    pool.submit(() -> creditCommitted(other, secondInstance(), "wallet:race", "5.00"));
            LockWaits.awaitASessionBlockedOnALock(
                    dataSource()); // the second claim is now waiting on the first transaction's row
            releaseFirst.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS).repeated()).isFalse();
            assertThat(second.get(10, TimeUnit.SECONDS))
                    .isEqualTo(new CommandOutcome(first.get().outcome(), true));
            assertThat(walletBalance()).isEqualTo("5.00");
            assertThat(commandRuns).hasValue(1);
            assertThat(count("outbox")).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anOversizedPayloadIsRefusedAndNothingIsWritten() throws Exception {
        Outbox small = Outbox.builder(dataSource())
                .tablePrefix(prefix)
                .maxPayloadBytes(16)
                .build();
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(false);
            assertThatThrownBy(() -> small.append(connection, event("r-big", "O-1", "x".repeat(17))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("17 bytes exceeds the limit of 16 bytes");
            connection.commit();
        }
        assertThat(count("outbox")).isZero();
    }

    @Test
    void invalidEventsAndPrefixesAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> OutboxEvent.of("", "Order", "O-1", "OrderPlaced", new byte[0]))
                .hasMessageContaining("requestId must be 1 to 200 characters, was 0 characters");
        assertThatThrownBy(() -> OutboxEvent.of("r", "Order", "O-1\n", "OrderPlaced", new byte[0]))
                .hasMessageContaining("aggregateId must not contain control characters");
        assertThatThrownBy(() -> Outbox.builder(dataSource()).tablePrefix("x; DROP TABLE y"))
                .hasMessageContaining("'x; DROP TABLE y'");
    }
}
