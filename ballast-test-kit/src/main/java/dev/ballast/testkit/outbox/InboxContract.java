package dev.ballast.testkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.core.sql.SqlScript;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.inbox.SequenceGapException;
import dev.ballast.outbox.inbox.SequenceGapPolicy;
import dev.ballast.test.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a database must do to run Ballast's inbox: a repeated message is skipped and counted and its handler writes
 * once (also when two deliveries race), a handler's failure records nothing so that the redelivery is handled, a
 * tampered, forged or malformed message is a dead letter with a critical alert and never reaches the handler, a
 * sequence gap is reported or held back by policy, purging deletes this consumer's rows past the retention (an
 * aggregate's newest and only row too) and keeps what is within it (repeats stay duplicates, order stays checked), and
 * a version-1 schema upgrades keeping what it recorded. The
 * messages come from a real outbox and relay on the same database.
 *
 * <p>A test proves a database by extending this class and supplying {@link #dataSource()}. Each test runs on its own
 * random table prefix, creates the outbox's and inbox's tables with it and drops them afterwards, so the suite runs
 * against a shared server; the inbox runs on a clock the tests move. A database whose losing concurrent delivery fails
 * with a key violation instead of waiting for the winner overrides {@link #assertSecondDeliveryWasNotHandled}.
 *
 * <p>Its size (over the 350-line guide for main classes) is earned: it is the contract, a list of independent test
 * methods, one clause apiece, kept in one class so that a reader finds all of it in one place.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class InboxContract {

    /** This test's table prefix. */
    protected final String prefix =
            "ib" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

    private final List<Alert> alerts = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T08:00:00Z"));
    private final List<OutboxMessage> published = new CopyOnWriteArrayList<>();
    private Outbox outbox;
    private Inbox inbox;

    private Path temp;

    /** Creates the contract; JUnit calls it once per test. */
    protected InboxContract() {}

    /**
     * The database under test.
     *
     * @return a pool (or data source) on it; the same on every call
     */
    protected abstract DataSource dataSource();

    @BeforeEach
    void createTables(@TempDir Path temp) throws SQLException {
        this.temp = temp;
        outbox = Outbox.builder(dataSource())
                .tablePrefix(prefix)
                .createSchema(true)
                .build();
        inbox = inbox(SequenceGapPolicy.PROCESS_AND_WARN, Duration.ZERO);
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + prefix + "booking (event_id VARCHAR(64) PRIMARY KEY, account"
                    + " VARCHAR(100) NOT NULL, seq BIGINT NOT NULL)");
        }
    }

    @AfterEach
    void dropTables() throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>(Outbox.tableNames(prefix));
            tables.addAll(Inbox.tableNames(prefix));
            tables.add(prefix + "booking");
            for (String table : tables) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void aRepeatedMessageIsSkippedAndCountedAndTheHandlerWritesOnce() throws Exception {
        OutboxMessage message = produce("A-1", 1).getFirst();

        Inbox.Result first = inbox.receive(headers(message), message.payload(), this::book);
        Inbox.Result again = inbox.receive(headers(message), message.payload(), this::book);

        assertThat(first).isEqualTo(Inbox.Result.PROCESSED);
        assertThat(again).isEqualTo(Inbox.Result.DUPLICATE);
        assertThat(count("booking")).isEqualTo(1);
        assertThat(count("inbox")).isEqualTo(1);
        assertThat(received("processed")).isEqualTo(1);
        assertThat(received("duplicate")).isEqualTo(1);
    }

    @Test
    void aHandlerFailureRecordsNothingSoTheRedeliveryIsHandled() throws Exception {
        OutboxMessage message = produce("A-1", 1).getFirst();

        assertThatThrownBy(() -> inbox.receive(headers(message), message.payload(), (connection, m) -> {
                    book(connection, m);
                    throw new IllegalStateException("handler failed after writing");
                }))
                .hasMessage("handler failed after writing");
        assertThat(count("booking")).as("the handler's write rolled back").isZero();
        assertThat(count("inbox")).as("not recorded").isZero();

        assertThat(inbox.receive(headers(message), message.payload(), this::book))
                .isEqualTo(Inbox.Result.PROCESSED);
        assertThat(count("booking")).isEqualTo(1);
    }

    @Test
    void aMessageGivenUpOnAfterItsHandlerKeptFailingIsAHandlerFailedDeadLetterWithTheFailureAndACriticalAlert()
            throws Exception {
        OutboxMessage message = produce("A-1", 1).getFirst();
        IllegalArgumentException failure = new IllegalArgumentException("no price in the event");

        Inbox.Result result = inbox.giveUp(headers(message), message.payload(), failure);

        assertThat(result).isEqualTo(Inbox.Result.DEAD_LETTERED);
        assertThat(deadLetter())
                .containsEntry("reason", "HANDLER_FAILED")
                .containsEntry("event_id", message.eventId())
                .containsEntry("detail", "java.lang.IllegalArgumentException: no price in the event")
                .containsEntry("payload", new String(message.payload(), StandardCharsets.UTF_8));
        assertThat(alerts).singleElement().satisfies(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(alert.detail()).contains(message.eventId()).contains("HANDLER_FAILED");
        });
        assertThat(received("dead")).isEqualTo(1);
        assertThat(count("inbox"))
                .as("not recorded: a redelivery is handled again")
                .isZero();
        assertThat(inbox.receive(headers(message), message.payload(), this::book))
                .isEqualTo(Inbox.Result.PROCESSED);
    }

    @Test
    void aTamperedMessageIsDeadLetteredWithACriticalAlertAndTheHandlerNeverSeesIt() throws Exception {
        OutboxMessage message = produce("A-1", 1).getFirst();
        byte[] tampered = new String(message.payload(), StandardCharsets.UTF_8)
                .replace("\"n\":1", "\"n\":9")
                .getBytes(StandardCharsets.UTF_8);
        AtomicInteger handled = new AtomicInteger();

        Inbox.Result result = inbox.receive(headers(message), tampered, (connection, m) -> handled.incrementAndGet());

        assertThat(result).isEqualTo(Inbox.Result.DEAD_LETTERED);
        assertThat(handled).hasValue(0);
        assertThat(count("inbox"))
                .as("not recorded: the genuine message can still be handled")
                .isZero();
        assertThat(deadLetter())
                .containsEntry("reason", "INTEGRITY_VIOLATION")
                .containsEntry("event_id", message.eventId())
                .containsEntry("payload", new String(tampered, StandardCharsets.UTF_8));
        assertThat(alerts).singleElement().satisfies(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(alert.detail()).contains(message.eventId()).contains("INTEGRITY_VIOLATION");
        });
        assertThat(received("dead")).isEqualTo(1);
        assertThat(inbox.receive(headers(message), message.payload(), this::book))
                .isEqualTo(Inbox.Result.PROCESSED);
    }

    @Test
    void aForgedHashForTamperedContentIsCaughtWithTheSameHeaders() throws Exception {
        OutboxMessage message = produce("A-1", 1).getFirst();
        Map<String, String> forged = new HashMap<>(OutboxHeaders.of(message));
        forged.put(OutboxHeaders.AGGREGATE_ID, "A-2"); // redirect the booking to another account

        assertThat(inbox.receive(forged::get, message.payload(), this::book)).isEqualTo(Inbox.Result.DEAD_LETTERED);
        assertThat(count("booking")).isZero();
    }

    @Test
    void aMessageWithoutBallastHeadersIsDeadLetteredAsMalformed() throws Exception {
        Map<String, String> headers = Map.of(OutboxHeaders.EVENT_ID, "e-1");

        Inbox.Result result = inbox.receive(headers::get, "{}".getBytes(StandardCharsets.UTF_8), this::book);

        assertThat(result).isEqualTo(Inbox.Result.DEAD_LETTERED);
        assertThat(deadLetter()).containsEntry("reason", "MALFORMED").containsEntry("event_id", "e-1");
        assertThat(deadLetter().get("detail")).contains("missing header");
        assertThat(count("booking")).isZero();
    }

    @Test
    void aSequenceGapIsReportedAndTheEventHandled() throws Exception {
        List<OutboxMessage> messages = produce("A-1", 3);

        inbox.receive(headers(messages.get(0)), messages.get(0).payload(), this::book);
        Inbox.Result third =
                inbox.receive(headers(messages.get(2)), messages.get(2).payload(), this::book);
        Inbox.Result second =
                inbox.receive(headers(messages.get(1)), messages.get(1).payload(), this::book);

        assertThat(third).isEqualTo(Inbox.Result.PROCESSED);
        assertThat(second).as("a late event is handled, without a second gap").isEqualTo(Inbox.Result.PROCESSED);
        assertThat(registry.get("ballast.inbox.gaps").counter().count()).isEqualTo(1);
        assertThat(alerts).singleElement().satisfies(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.WARNING);
            assertThat(alert.detail()).contains("#3").contains("before #2");
        });
        assertThat(count("booking")).isEqualTo(3);
    }

    @Test
    void theHoldPolicyRefusesAnEventAheadOfItsAggregateUntilItWasHeldLongEnough() throws Exception {
        Inbox holding = inbox(SequenceGapPolicy.HOLD, Duration.ofSeconds(30));
        List<OutboxMessage> messages = produce("A-1", 3);
        holding.receive(headers(messages.get(0)), messages.get(0).payload(), this::book);

        assertThatThrownBy(() -> holding.receive(
                        headers(messages.get(2)), messages.get(2).payload(), this::book))
                .isInstanceOfSatisfying(SequenceGapException.class, gap -> {
                    assertThat(gap.expected()).isEqualTo(2);
                    assertThat(gap.received()).isEqualTo(3);
                });
        assertThat(count("booking")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(29));
        assertThatThrownBy(() -> holding.receive(
                        headers(messages.get(2)), messages.get(2).payload(), this::book))
                .isInstanceOf(SequenceGapException.class);
        clock.advance(Duration.ofSeconds(1));

        assertThat(holding.receive(headers(messages.get(2)), messages.get(2).payload(), this::book))
                .isEqualTo(Inbox.Result.PROCESSED);
        assertThat(count("booking")).isEqualTo(2);
    }

    @Test
    void purgeDeletesOnlyRowsOlderThanTheRetention() throws Exception {
        List<OutboxMessage> messages = produce("A-1", 2);
        inbox.receive(headers(messages.get(0)), messages.get(0).payload(), this::book);
        clock.advance(Duration.ofDays(2));
        inbox.receive(headers(messages.get(1)), messages.get(1).payload(), this::book);
        clock.advance(Duration.ofDays(13));

        assertThat(inbox.purgeExpired()).isEqualTo(1);
        assertThat(count("inbox")).isEqualTo(1);
        assertThat(inbox.receive(headers(messages.get(1)), messages.get(1).payload(), this::book))
                .as("the kept row still absorbs a repeat")
                .isEqualTo(Inbox.Result.DUPLICATE);
    }

    @Test
    void aOneEventAggregatesRowIsPurgedPastTheRetentionAndOnlyThisConsumersRows() throws Exception {
        OutboxMessage message = produce("A-1", 1).getFirst();
        Inbox audit = Inbox.builder(dataSource(), "audit")
                .tablePrefix(prefix)
                .clock(clock)
                .retention(Duration.ofDays(30))
                .build();
        inbox.receive(headers(message), message.payload(), this::book);
        audit.receive(headers(message), message.payload(), (connection, m) -> {});
        clock.advance(Duration.ofDays(14).minusSeconds(1));
        assertThat(inbox.purgeExpired()).as("within the retention").isZero();
        clock.advance(Duration.ofSeconds(2));

        assertThat(inbox.purgeExpired())
                .as("the aggregate's only, so newest, row")
                .isEqualTo(1);
        assertThat(count("inbox"))
                .as("the other consumer's row, within its 30 days")
                .isEqualTo(1);
        assertThat(registry.get("ballast.inbox.purged")
                        .tag("consumer", "settlement")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aRedeliveryWithinTheRetentionIsStillADuplicateAndOrderStillCheckedAfterAPurge() throws Exception {
        List<OutboxMessage> messages = produce("A-1", 3);
        inbox.receive(headers(messages.get(0)), messages.get(0).payload(), this::book);
        clock.advance(Duration.ofDays(10));
        inbox.receive(headers(messages.get(1)), messages.get(1).payload(), this::book);
        clock.advance(Duration.ofDays(5));

        assertThat(inbox.purgeExpired())
                .as("#1 is past the 14 days, #2 within them")
                .isEqualTo(1);
        assertThat(inbox.receive(headers(messages.get(1)), messages.get(1).payload(), this::book))
                .as("a redelivery within the retention")
                .isEqualTo(Inbox.Result.DUPLICATE);
        assertThat(inbox.receive(headers(messages.get(2)), messages.get(2).payload(), this::book))
                .isEqualTo(Inbox.Result.PROCESSED);
        assertThat(alerts)
                .as("#3 checked against #2, the newest row within the retention")
                .isEmpty();
        assertThat(count("booking")).isEqualTo(3);
    }

    @Test
    void theNextEventOfAnAggregateIdleLongerThanTheRetentionIsCheckedAsTheFirstSeenOfIt() throws Exception {
        List<OutboxMessage> messages = produce("A-1", 3);
        inbox.receive(headers(messages.get(0)), messages.get(0).payload(), this::book);
        inbox.receive(headers(messages.get(1)), messages.get(1).payload(), this::book);
        clock.advance(Duration.ofDays(15));

        assertThat(inbox.purgeExpired())
                .as("both past the retention, the newest too")
                .isEqualTo(2);
        assertThat(count("inbox")).isZero();
        assertThat(inbox.receive(headers(messages.get(2)), messages.get(2).payload(), this::book))
                .as("handled, never taken for a repeat")
                .isEqualTo(Inbox.Result.PROCESSED);
        assertThat(alerts).singleElement().satisfies(alert -> assertThat(alert.detail())
                .contains("#3", "before #1", "idle for longer than the inbox retention"));
    }

    @Test
    void anInboxOfVersionOneUpgradesKeepingWhatItRecordedAndEachAggregatesSequence() throws Exception {
        List<OutboxMessage> purged = produce("A-1", 3);
        List<OutboxMessage> kept = produce("A-2", 3);
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : Inbox.tableNames(prefix)) {
                statement.execute("DROP TABLE " + table);
            }
            runVersionOneScript(connection);
            // as version 1 left them: A-1's two events recorded and purged since, A-2's two events still recorded
            statement.execute("INSERT INTO " + prefix + "inbox_aggregate (consumer, aggregate_type, aggregate_id,"
                    + " last_seq) VALUES ('settlement', 'Order', 'A-1', 2), ('settlement', 'Order', 'A-2', 2)");
            for (OutboxMessage message : kept.subList(0, 2)) {
                statement.execute("INSERT INTO " + prefix + "inbox (consumer, event_id, aggregate_type, aggregate_id,"
                        + " aggregate_seq, event_type, received_at) VALUES ('settlement', '" + message.eventId()
                        + "', 'Order', 'A-2', " + message.aggregateSequence() + ", 'OrderPlaced', TIMESTAMP"
                        + " '2026-11-30 07:00:00')");
            }
        }

        Inbox upgraded = inbox(SequenceGapPolicy.PROCESS_AND_WARN, Duration.ZERO);
        inbox(SequenceGapPolicy.PROCESS_AND_WARN, Duration.ZERO); // the scripts run again: nothing more is added

        assertThat(upgraded.receive(headers(kept.get(1)), kept.get(1).payload(), this::book))
                .as("an event recorded by version 1 is a repeat")
                .isEqualTo(Inbox.Result.DUPLICATE);
        assertThat(upgraded.receive(headers(purged.get(2)), purged.get(2).payload(), this::book))
                .isEqualTo(Inbox.Result.PROCESSED);
        assertThat(upgraded.receive(headers(kept.get(2)), kept.get(2).payload(), this::book))
                .isEqualTo(Inbox.Result.PROCESSED);
        assertThat(alerts).as("no gap: each aggregate's sequence carried over").isEmpty();
        assertThat(count("inbox"))
                .as("A-2's two rows, one marker row for A-1, the two new events")
                .isEqualTo(5);
    }

    @Test
    void twoConcurrentDeliveriesOfOneEventAreHandledOnce() throws Exception {
        OutboxMessage message = produce("A-1", 1).getFirst();
        CountDownLatch firstInHandler = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Inbox.Result> first =
                    pool.submit(() -> inbox.receive(headers(message), message.payload(), (c, m) -> {
                        book(c, m);
                        firstInHandler.countDown();
                        releaseFirst.await(10, TimeUnit.SECONDS);
                    }));
            assertThat(firstInHandler.await(10, TimeUnit.SECONDS)).isTrue();
            Future<Inbox.Result> second =
                    pool.submit(() -> inbox.receive(headers(message), message.payload(), this::book));
            LockWaits.awaitASessionBlockedOnALock(
                    dataSource()); // the second delivery now waits on the first transaction's row
            releaseFirst.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(Inbox.Result.PROCESSED);
            assertSecondDeliveryWasNotHandled(second);
            assertThat(count("booking")).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Asserts that the losing one of two concurrent deliveries was not handled. PostgreSQL and MariaDB answer
     * {@code DUPLICATE}; H2 may fail the loser with a key violation (then redelivered), and its run overrides this.
     *
     * @param second the losing delivery's outcome
     * @throws Exception if the delivery failed otherwise or did not finish within 10 s
     */
    protected void assertSecondDeliveryWasNotHandled(Future<Inbox.Result> second) throws Exception {
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(Inbox.Result.DUPLICATE);
    }

    // ---- helpers

    private Inbox inbox(SequenceGapPolicy policy, Duration hold) {
        return Inbox.builder(dataSource(), "settlement")
                .tablePrefix(prefix)
                .createSchema(true)
                .alerts(alerts::add)
                .meterRegistry(registry)
                .clock(clock)
                .sequenceGaps(policy, hold)
                .retention(Duration.ofDays(14))
                .build();
    }

    /** Creates the inbox's tables as the version-1 script alone made them (the upgrade's starting point). */
    private void runVersionOneScript(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
        String folder = product.contains("postgres") ? "postgresql" : product.contains("h2") ? "h2" : "mariadb";
        SqlScript.load(InboxContract.class.getClassLoader(), "db/ballast/inbox/" + folder + "/V1__ballast_inbox.sql")
                .withTablePrefix(prefix)
                .run(connection);
    }

    /** Appends {@code count} events of {@code account} and returns them as the relay published them. */
    private List<OutboxMessage> produce(String account, int count) throws SQLException {
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(false);
            for (int i = 1; i <= count; i++) {
                outbox.append(
                        connection,
                        OutboxEvent.of(
                                account + "-" + i + "-" + UUID.randomUUID(),
                                "Order",
                                account,
                                "OrderPlaced",
                                ("{\"account\":\"" + account + "\",\"n\":" + i + "}")
                                        .getBytes(StandardCharsets.UTF_8)));
            }
            connection.commit();
        }
        published.clear();
        outbox.relay(OutboxPublisher.inProcess(published::add))
                .deadLetterFile(temp.resolve("dlq.jsonl"))
                .listen(false)
                .build()
                .drain();
        return new ArrayList<>(published);
    }

    private static Function<String, @Nullable String> headers(OutboxMessage message) {
        return OutboxHeaders.of(message)::get;
    }

    private void book(Connection connection, OutboxMessage message) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO " + prefix + "booking (event_id, account, seq) VALUES (?, ?, ?)")) {
            insert.setString(1, message.eventId());
            insert.setString(2, message.aggregateId());
            insert.setLong(3, message.aggregateSequence());
            insert.executeUpdate();
        }
    }

    private double received(String result) {
        return registry.get("ballast.inbox.received")
                .tag("result", result)
                .counter()
                .count();
    }

    private long count(String table) throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + prefix + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private Map<String, String> deadLetter() throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT event_id, reason, detail, payload FROM " + prefix + "inbox_dlq")) {
            assertThat(rows.next()).as("a dead letter").isTrue();
            Map<String, String> row = new HashMap<>();
            row.put("event_id", rows.getString(1));
            row.put("reason", rows.getString(2));
            row.put("detail", rows.getString(3));
            row.put("payload", new String(rows.getBytes(4), StandardCharsets.UTF_8));
            assertThat(rows.next()).as("only one dead letter").isFalse();
            return row;
        }
    }
}
