package dev.ballast.testkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.core.alert.Alert;
import dev.ballast.outbox.Appended;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.test.AdvancingClock;
import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every part of the outbox contract stands on: the outbox under test on this test's own table prefix (its tables
 * created before the test and dropped after it), relays on a clock the test advances, publishing to a
 * {@link RecordingPublisher}, and the reads of the outbox's tables the clauses check. A test extends
 * {@link OutboxContract}, not this class.
 *
 * <p>JUnit creates one instance per test method and runs its methods on one thread; the relays' threads write
 * {@link #alerts}, {@link #registry} and {@link #recorder}, which are thread-safe.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class OutboxFixture {

    /** This test's table prefix: the outbox's tables are {@code <prefix>outbox}, {@code <prefix>outbox_aggregate}, ... */
    protected final String prefix =
            "ob" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    /** The alerts the outbox and its relays raised. */
    protected final List<Alert> alerts = new CopyOnWriteArrayList<>();
    /** The outbox's and its relays' meters. */
    protected final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Where the relays publish; a test sets what it answers. */
    protected final RecordingPublisher recorder = new RecordingPublisher();
    /** Every relay's clock: tests advance it to let leases run out and backoffs and pauses pass. */
    protected final AdvancingClock clock = new AdvancingClock();

    /** The outbox under test, built before each test with {@link #prefix}, its tables created. */
    protected Outbox outbox;

    private final List<OutboxRelay> relays = new ArrayList<>();

    /** A folder of this test's own, for the relays' dead-letter file. */
    protected Path temp;

    /** Creates the fixture; JUnit creates one per test. */
    protected OutboxFixture() {}

    /**
     * The database under test.
     *
     * @return a pool on it with room for 16 connections; the same pool on every call
     */
    protected abstract DataSource dataSource();

    /**
     * Another instance of the service on the same database, for the tests where two instances race.
     *
     * @return a pool with connections of its own; by default {@link #dataSource()}
     */
    protected DataSource secondInstance() {
        return dataSource();
    }

    @BeforeEach
    void createOutbox(@TempDir Path temp) {
        this.temp = temp;
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
            List<String> tables = new ArrayList<>(Outbox.tableNames(prefix));
            tables.add(prefix + "wallet");
            for (String table : tables) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    /**
     * A relay of {@link #outbox} on {@link #clock}, publishing to {@link #recorder}, with short backoffs and polls.
     *
     * @return the builder, for the test to set more
     */
    protected OutboxRelay.Builder relay() {
        return outbox.relay(recorder)
                .clock(clock)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .pollInterval(Duration.ofMillis(20))
                .deadLetterFile(temp.resolve("dlq.jsonl"));
    }

    /**
     * Builds and starts a relay that the contract closes after the test.
     *
     * @param builder the relay's settings
     * @return the running relay
     */
    protected OutboxRelay started(OutboxRelay.Builder builder) {
        OutboxRelay relay = builder.build().start();
        relays.add(relay);
        return relay;
    }

    /**
     * An {@code OrderPlaced} event of an {@code Order} aggregate with a {@code source} header.
     *
     * @param requestId the request id (the idempotency key)
     * @param aggregateId the order
     * @param body the payload, stored as UTF-8
     * @return the event
     */
    protected static OutboxEvent event(String requestId, String aggregateId, String body) {
        return OutboxEvent.of(requestId, "Order", aggregateId, "OrderPlaced", body.getBytes(StandardCharsets.UTF_8))
                .withHeader("source", "test");
    }

    /**
     * Appends an event in a transaction of its own and commits it.
     *
     * @param event the event
     * @return what the outbox answered
     * @throws SQLException if the database fails
     */
    protected Appended append(OutboxEvent event) throws SQLException {
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(false);
            Appended appended = outbox.append(connection, event);
            connection.commit();
            return appended;
        }
    }

    // ---- helpers

    /**
     * Drains until nothing is left to publish, moving {@link #clock} past the short backoffs.
     *
     * @param relay the relay to drain with
     * @return how many events changed state
     * @throws Exception if a drain fails
     */
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

    /**
     * Counts the rows of one of this test's tables.
     *
     * @param table the table without the prefix, optionally followed by a {@code WHERE} clause
     * @return the row count
     * @throws SQLException if the database fails
     */
    protected long count(String table) throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + prefix + table);
    }

    /**
     * Counts the aggregates parked out of the claim range (due only in the far future).
     *
     * @return the count
     * @throws SQLException if the database fails
     */
    protected long parkedAggregates() throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE next_attempt_at > " + FAR_FUTURE);
    }

    /**
     * Asserts that exactly the aggregates with nothing pending are parked: the claim scans the aggregates by due time
     * alone, so those must be parked past any claim and no other.
     *
     * @throws SQLException if the database fails
     */
    protected void assertParkedExactlyWhenIdle() throws SQLException {
        assertThat(queryLong("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE (pending = 0 AND"
                        + " next_attempt_at < " + FAR_FUTURE + ") OR (pending > 0 AND next_attempt_at > " + FAR_FUTURE
                        + ")"))
                .as("aggregates parked although pending, or idle but not parked")
                .isZero();
    }

    private static final String FAR_FUTURE = "TIMESTAMP '9000-01-01 00:00:00'";

    /**
     * Runs a query that answers one number.
     *
     * @param sql the query
     * @return the first column of its first row
     * @throws SQLException if the database fails
     */
    protected long queryLong(String sql) throws SQLException {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    /**
     * Waits (at most 30 s) for what the relay's threads do on their own schedule.
     *
     * @param condition what must become true
     */
    protected static void awaitTrue(BooleanSupplier condition) {
        Eventually.within(Duration.ofSeconds(30), "the relay's threads", condition);
    }
}
