package dev.ballast.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every supported database must do for the outbox. Subclasses supply a pooled {@link DataSource}; each test runs
 * on its own table prefix and drops its tables afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class OutboxContract {

    protected final String prefix =
            "ob" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    protected final List<Alert> alerts = new CopyOnWriteArrayList<>();
    protected final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    protected final Recorder recorder = new Recorder();
    /** Every relay's clock: tests advance it to let leases run out and backoffs and pauses pass. */
    protected final TestClock clock = new TestClock();

    protected Outbox outbox;
    private final List<OutboxRelay> relays = new ArrayList<>();

    @TempDir
    Path temp;

    protected abstract DataSource dataSource();

    /** A second instance's pool on the same database (own connections); the same pool unless a subclass has one. */
    protected DataSource secondInstance() {
        return dataSource();
    }

    @BeforeEach
    void createOutbox() {
        outbox = Outbox.builder(dataSource())
                .tablePrefix(prefix)
                .createSchema(true)
                .alerts(alerts::add)
                .meterRegistry(registry)
                .build();
    }

    @AfterEach
    void dropTables() throws SQLException {
        relays.forEach(OutboxRelay::close);
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : List.of("outbox", "outbox_aggregate", "outbox_dlq", "outbox_request", "wallet")) {
                statement.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
    }

    protected OutboxRelay.Builder relay() {
        return outbox.relay(recorder)
                .clock(clock)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .pollInterval(Duration.ofMillis(20))
                .deadLetterFile(temp.resolve("dlq.jsonl"));
    }

    protected OutboxRelay started(OutboxRelay.Builder builder) {
        OutboxRelay relay = builder.build().start();
        relays.add(relay);
        return relay;
    }

    protected static OutboxEvent event(String requestId, String aggregateId, String body) {
        return OutboxEvent.of(requestId, "Order", aggregateId, "OrderPlaced", body.getBytes(StandardCharsets.UTF_8))
                .withHeader("source", "test");
    }

    protected Appended append(OutboxEvent event) throws SQLException {
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(false);
            Appended appended = outbox.append(connection, event);
            connection.commit();
            return appended;
        }
    }

    @Test
    void aClosedRelayStartsAgainAndPublishesWhatWasAppendedWhileItWasStopped() throws Exception {
        OutboxRelay relay = started(relay().owner("relay-restarted"));
        append(event("r-before", "O-1", "{\"n\":1}"));
        awaitTrue(() -> recorder.published.size() == 1);

        relay.close(); // what a Spring context's stop() (or the test framework's pausing) does
        append(event("r-while-stopped", "O-1", "{\"n\":2}"));
        relay.start();

        awaitTrue(() -> recorder.published.size() == 2);
        assertThat(recorder.published)
                .extracting(OutboxMessage::requestId)
                .containsExactly("r-before", "r-while-stopped");
        assertThat(relay.isRunning()).isTrue();
    }

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
        assertThat(recorder.published.getFirst().aggregateSequence()).isEqualTo(1);
        assertThat(recorder.published.getFirst().headers()).containsEntry("source", "test");
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
            assertThat(recorder.published)
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

    // ---- relay: order, retries, dead letters

    @Test
    void eventsOfOneAggregateArePublishedInOrderAndNeverConcurrently() throws Exception {
        Random random = new Random(7);
        int aggregates = 8;
        int perAggregate = 25;
        List<String> order = new ArrayList<>();
        for (int a = 0; a < aggregates; a++) {
            for (int i = 0; i < perAggregate; i++) {
                order.add("A-" + a);
            }
        }
        java.util.Collections.shuffle(order, random);
        for (int i = 0; i < order.size(); i++) {
            append(event("r-" + i, order.get(i), "{\"i\":" + i + "}"));
        }
        recorder.slowMillis = 1;
        for (int r = 0; r < 3; r++) { // three relays with two threads each share the work
            started(relay().threads(2).batchAggregates(3).maxPerAggregate(4).owner("relay-" + r));
        }
        awaitTrue(() -> recorder.published.size() >= aggregates * perAggregate);

        assertThat(recorder.overlaps.get())
                .as("two events of one aggregate in flight at once")
                .isZero();
        Map<String, List<Long>> sequences = new ConcurrentHashMap<>();
        recorder.published.forEach(message -> sequences
                .computeIfAbsent(message.aggregateId(), k -> new CopyOnWriteArrayList<>())
                .add(message.aggregateSequence()));
        assertThat(sequences).hasSize(aggregates);
        sequences
                .values()
                .forEach(seqs ->
                        assertThat(seqs).isSorted().doesNotHaveDuplicates().hasSize(perAggregate));
        assertThat(registry.get("ballast.outbox.published").counter().count()).isEqualTo(aggregates * perAggregate);
    }

    @Test
    void anAggregateWithNothingPendingIsParkedOutOfTheClaimRangeAndItsNextAppendMakesItDueAtOnce() throws Exception {
        append(event("r-1", "O-1", "first"));
        append(event("r-2", "O-1", "second"));
        append(event("r-3", "O-2", "other"));
        OutboxRelay relay = relay().build();
        relay.drain();
        assertThat(parkedAggregates()).isEqualTo(2);

        append(event("r-4", "O-1", "third"));
        assertThat(parkedAggregates()).as("O-1 has an event again").isEqualTo(1);
        assertThat(queryLong("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE aggregate_id = 'O-1'"
                        + " AND pending = 1 AND next_attempt_at <= CURRENT_TIMESTAMP(6)"))
                .as("O-1 due now")
                .isEqualTo(1);
        assertThat(relay.drainOnce()).isEqualTo(1);
        assertThat(recorder.bodies()).containsExactlyInAnyOrder("first", "second", "other", "third");
        assertThat(recorder.bodies().getLast()).isEqualTo("third");
        assertParkedExactlyWhenIdle();
    }

    @Test
    void aFailedPublishIsRetriedAfterBackoffAndCountsTheAttempt() throws Exception {
        append(event("r-1", "O-1", "first"));
        append(event("r-2", "O-1", "second"));
        recorder.behaviour =
                message -> message.attempt() == 1 && message.requestId().equals("r-1")
                        ? PublishResult.failed(new IllegalStateException("rejected by the broker"))
                        : PublishResult.published();
        OutboxRelay relay =
                relay().backoff(Duration.ofMinutes(1), Duration.ofMinutes(2)).build();

        relay.drainOnce();
        assertThat(recorder.published).isEmpty();
        assertThat(relay.drainOnce()).as("the aggregate waits for its backoff").isZero();
        clock.advance(Duration.ofSeconds(25));
        assertThat(relay.drainOnce()).as("25 s into a backoff of 30 to 60 s").isZero();
        clock.advance(Duration.ofSeconds(36));
        relay.drain();

        assertThat(recorder.published).extracting(OutboxMessage::requestId).containsExactly("r-1", "r-2");
        assertThat(recorder.published).extracting(OutboxMessage::attempt).containsExactly(2, 1);
    }

    @Test
    void afterTheLastAttemptTheEventIsADeadLetterAndBlocksItsAggregateUntilDiscarded() throws Exception {
        Appended poison = append(event("r-poison", "O-1", "poison"));
        append(event("r-next", "O-1", "next"));
        append(event("r-other", "O-2", "other"));
        recorder.behaviour = message -> message.requestId().equals("r-poison")
                ? PublishResult.failed(new IllegalArgumentException("schema rejected"))
                : PublishResult.published();
        OutboxRelay relay = relay().maxAttempts(3).build();
        drainUntilQuiet(relay);

        assertThat(recorder.bodies()).containsExactly("other");
        DeadLetter letter = outbox.deadLetters().list(10).getFirst();
        assertThat(letter.eventId()).isEqualTo(poison.eventId());
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.MAX_ATTEMPTS);
        assertThat(new String(letter.payload(), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(letter.headers()).containsEntry("source", "test");
        assertThat(letter.errorClass()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(letter.errorMessage()).contains("schema rejected");
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.attemptHistory()).contains("\"attempt\":1", "\"attempt\":2", "\"attempt\":3");

        outbox.deadLetters().discard(poison.eventId(), "ops@desk", "superseded by a correction");
        drainUntilQuiet(relay);
        assertThat(recorder.bodies()).containsExactly("other", "next");
        DeadLetter discarded = outbox.deadLetters().find(poison.eventId()).orElseThrow();
        assertThat(discarded.state()).isEqualTo("DISCARDED");
        assertThat(discarded.resolvedBy()).isEqualTo("ops@desk");
        assertThat(discarded.resolutionNote()).isEqualTo("superseded by a correction");
        assertThat(discarded.resolvedAt()).isNotNull();
        assertParkedExactlyWhenIdle();
    }

    @Test
    void withSkipTheRestOfTheAggregateContinuesPastADeadLetter() throws Exception {
        append(event("r-poison", "O-1", "poison"));
        append(event("r-next", "O-1", "next"));
        recorder.behaviour = message -> message.requestId().equals("r-poison")
                ? PublishResult.failed(new IllegalArgumentException("schema rejected"))
                : PublishResult.published();
        drainUntilQuiet(relay().maxAttempts(1).headOfLine(HeadOfLinePolicy.SKIP).build());

        assertThat(recorder.bodies()).containsExactly("next");
        assertThat(outbox.deadLetters().count()).isEqualTo(1);
        assertParkedExactlyWhenIdle();
    }

    @Test
    void aReplayedDeadLetterIsPublishedWithFreshAttempts() throws Exception {
        Appended appended = append(event("r-1", "O-1", "body"));
        AtomicBoolean brokerAccepts = new AtomicBoolean(false);
        recorder.behaviour = message -> brokerAccepts.get()
                ? PublishResult.published()
                : PublishResult.failed(new IllegalStateException("not yet"));
        OutboxRelay relay = relay().maxAttempts(1).build();
        drainUntilQuiet(relay);
        assertThat(outbox.deadLetters().count()).isEqualTo(1);

        brokerAccepts.set(true);
        outbox.deadLetters().replay(appended.eventId(), "ops@desk", "broker schema fixed");
        drainUntilQuiet(relay);

        assertThat(recorder.published).singleElement().satisfies(message -> {
            assertThat(message.eventId()).isEqualTo(appended.eventId());
            assertThat(message.attempt()).isEqualTo(1);
        });
        assertThat(outbox.deadLetters().find(appended.eventId()).orElseThrow().state())
                .isEqualTo("REPLAYED");
        assertThatThrownBy(() -> outbox.deadLetters().replay(appended.eventId(), "ops@desk", "again"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already REPLAYED");
        assertParkedExactlyWhenIdle();
    }

    // ---- integrity

    @Test
    void aByteFlippedInAStoredPayloadIsNeverPublishedAndBecomesAnIntegrityViolation() throws Exception {
        Appended appended = append(event("r-1", "O-1", "{\"price\":\"71200.00\"}"));
        try (Connection connection = dataSource().getConnection();
                PreparedStatement statement =
                        connection.prepareStatement("UPDATE " + prefix + "outbox SET payload = ? WHERE event_id = ?")) {
            statement.setBytes(1, "{\"price\":\"91200.00\"}".getBytes(StandardCharsets.UTF_8));
            statement.setString(2, appended.eventId());
            statement.executeUpdate();
        }
        drainUntilQuiet(relay().build());

        assertThat(recorder.published).isEmpty();
        DeadLetter letter = outbox.deadLetters().find(appended.eventId()).orElseThrow();
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.INTEGRITY_VIOLATION);
        assertThat(new String(letter.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"price\":\"91200.00\"}");
        assertThat(alerts).anySatisfy(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(alert.title()).isEqualTo("Outbox event failed its integrity check");
        });
    }

    @Test
    void aChangedSequenceNumberIsNeverPublishedAndBecomesAnIntegrityViolation() throws Exception {
        Appended appended = append(event("r-1", "O-1", "{\"price\":\"71200.00\"}"));
        try (Connection connection = dataSource().getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "UPDATE " + prefix + "outbox SET aggregate_seq = 7 WHERE event_id = ?")) {
            statement.setString(1, appended.eventId());
            statement.executeUpdate();
        }
        drainUntilQuiet(relay().build());

        assertThat(recorder.published).isEmpty();
        DeadLetter letter = outbox.deadLetters().find(appended.eventId()).orElseThrow();
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.INTEGRITY_VIOLATION);
        assertThat(letter.aggregateSequence()).isEqualTo(7);
    }

    @Test
    void withHmacATamperedRowWithARecomputedPlainHashIsStillCaught() throws Exception {
        byte[] key = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        outbox = Outbox.builder(dataSource())
                .tablePrefix(prefix)
                .integrity(Integrity.hmacSha256(2, Map.of(2, key)))
                .alerts(alerts::add)
                .build();
        Appended appended = append(event("r-1", "O-1", "genuine"));
        assertThat(Integrity.hmacSha256(2, Map.of(2, key)).toString()).doesNotContain("0123456789abcdef");
        try (Connection connection = dataSource().getConnection();
                PreparedStatement statement = connection.prepareStatement("UPDATE " + prefix
                        + "outbox SET payload = ?, content_hash = ?, key_version = NULL" + " WHERE event_id = ?")) {
            statement.setBytes(1, "forged".getBytes(StandardCharsets.UTF_8));
            statement.setString(2, "0".repeat(64)); // whatever an attacker computes without the key
            statement.setString(3, appended.eventId());
            statement.executeUpdate();
        }
        drainUntilQuiet(relay().build());

        assertThat(recorder.published).isEmpty();
        assertThat(outbox.deadLetters().find(appended.eventId()).orElseThrow().reason())
                .isEqualTo(DeadLetterReason.INTEGRITY_VIOLATION);
    }

    // ---- stalled recovery, outage, dead-letter file, retention

    @Test
    void aPoisonEventThatKillsTheRelayReachesTheDeadLettersInsteadOfLooping() throws Exception {
        append(event("r-poison", "O-1", "poison"));
        append(event("r-innocent", "O-1", "innocent"));
        recorder.behaviour = message -> {
            if (message.requestId().equals("r-poison")) {
                throw new RelayCrash(); // as if the relay process died mid-batch: nothing is written back
            }
            return PublishResult.published();
        };
        OutboxRelay relay = relay().maxAttempts(2)
                .lease(Duration.ofMinutes(1))
                .headOfLine(HeadOfLinePolicy.SKIP)
                .build();
        for (int crash = 0; crash < 2; crash++) {
            assertThatThrownBy(relay::drainOnce).isInstanceOf(RelayCrash.class);
            assertThat(relay.drainOnce())
                    .as("the crashed claim's lease still holds")
                    .isZero();
            clock.advance(Duration.ofSeconds(61)); // the lease runs out
        }
        drainUntilQuiet(relay);

        assertThat(recorder.bodies()).containsExactly("innocent");
        DeadLetter letter = outbox.deadLetters().list(10).getFirst();
        assertThat(letter.requestId()).isEqualTo("r-poison");
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.MAX_ATTEMPTS);
        assertThat(recorder.published.getFirst().attempt())
                .as("the innocent event lost at most the one attempt of the first crash")
                .isLessThanOrEqualTo(2);
    }

    @Test
    void eventsClaimedAlongsideAPoisonEventAreNotDeadLetteredWithIt() throws Exception {
        for (int i = 0; i < 4; i++) {
            for (String aggregate : List.of("O-1", "O-2", "O-3")) {
                String request = aggregate.equals("O-2") && i == 1 ? "r-poison" : "r-" + aggregate + "-" + i;
                append(event(request, aggregate, request));
            }
        }
        recorder.behaviour = message -> {
            if (message.requestId().equals("r-poison")) {
                throw new RelayCrash();
            }
            return PublishResult.published();
        };
        OutboxRelay relay = relay().maxAttempts(2)
                .lease(Duration.ofMinutes(1))
                .headOfLine(HeadOfLinePolicy.SKIP)
                .build();
        int crashes = 0;
        for (int round = 0; round < 20 && outbox.deadLetters().count() == 0; round++) {
            try {
                relay.drain();
            } catch (RelayCrash crash) {
                crashes++;
                clock.advance(Duration.ofSeconds(61)); // the lease runs out
            }
        }
        drainUntilQuiet(relay);

        assertThat(crashes).isEqualTo(2);
        assertThat(outbox.deadLetters().list(10))
                .extracting(DeadLetter::requestId)
                .containsExactly("r-poison");
        assertThat(recorder.published.stream()
                        .map(OutboxMessage::requestId)
                        .distinct()
                        .count())
                .isEqualTo(11);
    }

    @Test
    void aBrokerOutagePausesTheRelayWithoutSpendingAttempts() throws Exception {
        for (int i = 0; i < 5; i++) {
            append(event("r-" + i, "O-" + i, "body-" + i));
        }
        AtomicBoolean brokerDown = new AtomicBoolean(true);
        recorder.behaviour = message -> brokerDown.get()
                ? PublishResult.failed(new UncheckedIOException(new ConnectException("Connection refused")))
                : PublishResult.published();
        OutboxRelay relay = started(relay().maxAttempts(2).outagePause(Duration.ofMinutes(1), Duration.ofMinutes(2)));
        awaitTrue(() ->
                alerts.stream().anyMatch(alert -> alert.title().equals("Outbox relay paused: broker unreachable")));
        awaitTrue(() -> pausedByItsClock(relay));
        for (int round = 2; round <= 4; round++) { // more rounds than maxAttempts
            clock.advance(Duration.ofMinutes(2)); // the pause (1 min, then 2) is over
            int publishes = 5 * round;
            awaitTrue(() -> recorder.calls.get() >= publishes && pausedByItsClock(relay));
            assertThat(recorder.calls.get())
                    .as("one batch per pause: nothing was claimed while paused")
                    .isEqualTo(publishes);
        }

        // every claimed attempt has been given back
        awaitTrue(() -> sumQuietly("attempts") == 0);
        assertThat(outbox.deadLetters().count()).isZero();
        brokerDown.set(false);
        clock.advance(Duration.ofMinutes(2));
        awaitTrue(() -> recorder.published.size() == 5);
        awaitTrue(() -> alerts.stream()
                .anyMatch(alert -> alert.isResolved()
                        && alert.title().equals("Outbox relay paused: broker unreachable")
                        && alert.detail().startsWith("Outbox relay resumed")));
    }

    @Test
    void closeLetsTheRunningBatchFinishItsWavesAndGivesBackItsLeases() throws Exception {
        for (int i = 0; i < 3; i++) {
            append(event("r-" + i, "O-1", "body-" + i)); // one aggregate: three waves in one batch
        }
        CountDownLatch publishing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        recorder.behaviour = message -> {
            if (message.requestId().equals("r-0")) {
                publishing.countDown();
                await(release);
            }
            return PublishResult.published();
        };
        OutboxRelay relay =
                relay().owner("relay-a").lease(Duration.ofMinutes(5)).build().start();
        assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(leasesHeldBy("relay-a")).isEqualTo(1);

        Thread closer = Thread.ofPlatform().start(relay::close);
        awaitTrue(() -> closer.getState() == Thread.State.TIMED_WAITING); // close() waits for the batch
        release.countDown();
        closer.join(Duration.ofSeconds(30));
        assertThat(closer.isAlive()).isFalse();

        assertThat(recorder.bodies()).containsExactly("body-0", "body-1", "body-2");
        assertThat(leasesHeldBy("relay-a")).isZero();
        assertThat(count("outbox WHERE status = 'PENDING'")).isZero();
    }

    @Test
    void aBatchStuckPastTheShutdownTimeoutHasItsLeasesReleasedAndAnotherRelayTakesOverAtOnce() throws Exception {
        append(event("r-1", "O-1", "stuck"));
        CountDownLatch publishing = new CountDownLatch(1);
        CountDownLatch unstick = new CountDownLatch(1);
        AtomicBoolean stuck = new AtomicBoolean(true);
        recorder.behaviour = message -> {
            if (stuck.get()) {
                publishing.countDown();
                awaitIgnoringInterrupts(unstick); // a publish blocked in I/O that an interrupt does not end
            }
            return PublishResult.published();
        };
        OutboxRelay relay = relay().owner("relay-a")
                .lease(Duration.ofMinutes(5))
                .shutdownTimeout(Duration.ofMillis(200))
                .build()
                .start();
        try {
            assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();

            relay.close();

            assertThat(leasesHeldBy("relay-a"))
                    .as("leases left by the closed relay")
                    .isZero();
            stuck.set(false);
            OutboxRelay other =
                    relay().owner("relay-b").lease(Duration.ofMinutes(5)).build();
            assertThat(other.drainOnce())
                    .as("relay-b claims the aggregate at once")
                    .isEqualTo(1);
            assertThat(recorder.bodies()).contains("stuck");
        } finally {
            unstick.countDown();
        }
    }

    @Test
    void whenTheDeadLetterTableCannotBeWrittenTheEventGoesToTheFileAndCanBeImported() throws Exception {
        Appended appended = append(event("r-1", "O-1", "keep me"));
        recorder.behaviour = message -> PublishResult.failed(new IllegalStateException("rejected"));
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE " + prefix + "outbox_dlq"); // the dead-letter write will fail
        }
        OutboxRelay relay = relay().maxAttempts(1).build();
        assertThatThrownBy(relay::drainOnce).isInstanceOf(SQLException.class);

        Path file = temp.resolve("dlq.jsonl");
        assertThat(Files.readString(file)).contains(appended.eventId(), "MAX_ATTEMPTS");
        assertThat(alerts).anySatisfy(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(alert.title()).isEqualTo("Outbox dead letter written to the fallback file");
        });
        Outbox.builder(dataSource()).tablePrefix(prefix).createSchema(true).build(); // the table is back
        assertThat(outbox.deadLetters().importFile(file)).isEqualTo(1);
        assertThat(outbox.deadLetters().importFile(file)).as("importing twice").isZero();
        DeadLetter letter = outbox.deadLetters().find(appended.eventId()).orElseThrow();
        assertThat(new String(letter.payload(), StandardCharsets.UTF_8)).isEqualTo("keep me");
        assertThat(drainUntilQuiet(relay))
                .as("the imported event is no longer pending")
                .isZero();
    }

    @Test
    void retentionDeletesOnlyPublishedRowsPastTheirTime() throws Exception {
        append(event("r-1", "O-1", "published"));
        OutboxRelay relay = relay().retention(Duration.ofHours(1)).build();
        relay.drain();
        append(event("r-2", "O-2", "pending"));
        assertThat(relay.deletePublished())
                .as("published, but within retention")
                .isZero();
        clock.advance(Duration.ofMinutes(61));

        assertThat(relay.deletePublished()).isEqualTo(1);
        assertThat(count("outbox")).isEqualTo(1);
    }

    @Test
    void afterCommitWakesAnIdleRelayAtOnce() throws Exception {
        OutboxRelay relay = started(relay().pollInterval(Duration.ofMinutes(1)).listen(false));
        // the worker's first batch found nothing: its next poll is a minute away, well past the wait below
        Eventually.within(Duration.ofSeconds(30), "the first, empty batch", () -> relay.lastHeartbeat()
                .isPresent());
        append(event("r-1", "O-1", "now"));
        outbox.afterCommit();

        Eventually.within(Duration.ofSeconds(20), "the woken relay publishes", () -> recorder.published.size() == 1);
    }

    @Test
    void metricsCountWhatHappenedAndGaugeTheBacklog() throws Exception {
        append(event("r-1", "O-1", "one"));
        append(event("r-2", "O-2", "two"));
        append(event("r-3", "O-3", "rejected"));
        recorder.behaviour = message -> message.requestId().equals("r-3")
                ? PublishResult.failed(new IllegalStateException("rejected"))
                : PublishResult.published();
        started(relay().maxAttempts(1).housekeepingInterval(Duration.ofMillis(50)));
        // the dead counter is incremented after the outcome commits, so housekeeping may gauge the row first
        awaitTrue(() -> registry.find("ballast.outbox.dlq.size").gauge() != null
                && registry.get("ballast.outbox.dlq.size").gauge().value() == 1
                && registry.get("ballast.outbox.pending").gauge().value() == 0
                && deadLetteredForMaxAttempts() == 1);

        assertThat(registry.get("ballast.outbox.appended").counter().count()).isEqualTo(3);
        assertThat(registry.get("ballast.outbox.published").counter().count()).isEqualTo(2);
        assertThat(registry.get("ballast.outbox.dead")
                        .tag("reason", "MAX_ATTEMPTS")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ballast.outbox.publish.latency").timer().count())
                .isEqualTo(2);
        assertThat(registry.get("ballast.outbox.relay.batch").timer().count()).isPositive();
        assertThat(registry.get("ballast.outbox.oldest.pending.age").gauge().value())
                .isZero();
    }

    // ---- helpers

    private boolean pausedByItsClock(OutboxRelay relay) {
        return relay.outagePauseEnd()
                .filter(end -> end.isAfter(clock.instant()))
                .isPresent();
    }

    private double deadLetteredForMaxAttempts() {
        return registry.get("ballast.outbox.dead")
                .tag("reason", "MAX_ATTEMPTS")
                .counter()
                .count();
    }

    protected int drainUntilQuiet(OutboxRelay relay) throws Exception {
        int total = 0;
        for (int round = 0; round < 50; round++) {
            int changed = relay.drain();
            total += changed;
            if (changed == 0 && relay.drainOnce() == 0) {
                clock.advance(Duration.ofSeconds(1)); // short backoffs (at most 5 ms in these tests) are over
                if (relay.drainOnce() == 0) {
                    return total;
                }
            }
        }
        return total;
    }

    private long leasesHeldBy(String owner) throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE lease_owner = '" + owner + "'");
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        }
    }

    protected long count(String table) throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + prefix + table);
    }

    private long sum(String column) throws SQLException {
        return queryLong("SELECT COALESCE(SUM(" + column + "), 0) FROM " + prefix + "outbox");
    }

    private long sumQuietly(String column) {
        try {
            return sum(column);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long parkedAggregates() throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE next_attempt_at > " + FAR_FUTURE);
    }

    /** The claim scans the aggregates by due time alone: those with nothing pending must be parked past any claim. */
    protected void assertParkedExactlyWhenIdle() throws SQLException {
        assertThat(queryLong("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE (pending = 0 AND"
                        + " next_attempt_at < " + FAR_FUTURE + ") OR (pending > 0 AND next_attempt_at > " + FAR_FUTURE
                        + ")"))
                .as("aggregates parked although pending, or idle but not parked")
                .isZero();
    }

    private static final String FAR_FUTURE = "TIMESTAMP '9000-01-01 00:00:00'";

    private long queryLong(String sql) throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    /** What the relay's threads do on their own schedule: awaited, bounded. */
    protected static void awaitTrue(BooleanSupplier condition) {
        Eventually.within(Duration.ofSeconds(30), "the relay's threads", condition);
    }

    /** Stands for the relay process dying: not an exception the relay may catch. */
    static final class RelayCrash extends Error {
        private static final long serialVersionUID = 1L;
    }

    /** A publisher that records what it acknowledged and checks aggregates never overlap. */
    protected static final class Recorder implements OutboxPublisher {
        final List<OutboxMessage> published = new CopyOnWriteArrayList<>();
        final AtomicInteger overlaps = new AtomicInteger();
        /** Messages handed to this publisher, whatever their result. */
        final AtomicInteger calls = new AtomicInteger();

        final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
        volatile Function<OutboxMessage, PublishResult> behaviour = message -> PublishResult.published();
        volatile long slowMillis;

        @Override
        public List<PublishResult> publish(List<OutboxMessage> batch) {
            List<PublishResult> results = new ArrayList<>();
            for (OutboxMessage message : batch) {
                calls.incrementAndGet();
                String aggregate = message.aggregateType() + "/" + message.aggregateId();
                if (inFlight.putIfAbsent(aggregate, Boolean.TRUE) != null) {
                    overlaps.incrementAndGet();
                }
                try {
                    if (slowMillis > 0) {
                        Thread.sleep(slowMillis);
                    }
                    PublishResult result = behaviour.apply(message);
                    if (result instanceof PublishResult.Published) {
                        published.add(message);
                    }
                    results.add(result);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    results.add(PublishResult.failed(e));
                } finally {
                    inFlight.remove(aggregate);
                }
            }
            return results;
        }

        List<String> bodies() {
            return published.stream()
                    .map(message -> new String(message.payload(), StandardCharsets.UTF_8))
                    .toList();
        }
    }
}
