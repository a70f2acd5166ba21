package dev.ballast.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.outbox.internal.Housekeeping;
import dev.ballast.test.AdvancingClock;
import dev.ballast.test.Eventually;
import dev.ballast.test.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16 (F6): while every batch fails before publishing (here: the outbox tables do not exist), the relay backs off
 * exponentially on its clock from the poll interval up to 30 s instead of retrying every poll interval, warns once,
 * reminds with the count at most every 5 minutes, and logs when batches work again. Time moves by the relay's
 * {@link AdvancingClock}; every attempt is visible in the captured log (DEBUG between the warnings).
 */
class RelayFailureBackOffTest {

    @RegisterExtension
    final LogCapture relayLog = LogCapture.of(OutboxRelay.class);

    @RegisterExtension
    final LogCapture housekeepingLog = LogCapture.of(Housekeeping.class);

    private final HikariDataSource database = h2();
    private final AdvancingClock clock = new AdvancingClock();
    private OutboxRelay relay;

    @AfterEach
    void close() {
        if (relay != null) {
            relay.close();
        }
        database.close();
    }

    @Test
    void failingBatchesBackOffToThirtySecondsWarnOnceRemindEveryFiveMinutesAndLogTheRecovery() {
        Outbox outbox = Outbox.builder(database).build(); // no tables
        relay = start(outbox, message -> {});

        Eventually.within(
                Duration.ofSeconds(10),
                "the first failed batch",
                () -> failedAttempts().size() >= 1);
        // each step is longer than the longest back-off: at least one more attempt falls due; 13 steps = 6.5 minutes
        for (int step = 2; step <= 14; step++) {
            int attempts = step;
            clock.advance(Duration.ofSeconds(30));
            Eventually.within(
                    Duration.ofSeconds(10),
                    "attempt " + step,
                    () -> failedAttempts().size() >= attempts);
        }

        List<ILoggingEvent> failures = failedAttempts();
        assertThat(failures.stream().map(RelayFailureBackOffTest::nextDelay).limit(12))
                .containsExactly(
                        Duration.ofMillis(100),
                        Duration.ofMillis(200),
                        Duration.ofMillis(400),
                        Duration.ofMillis(800),
                        Duration.ofMillis(1600),
                        Duration.ofMillis(3200),
                        Duration.ofMillis(6400),
                        Duration.ofMillis(12800),
                        Duration.ofMillis(25600),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(30));
        List<ILoggingEvent> warnings = relayLog.eventsAtLeast(Level.WARN);
        assertThat(warnings).hasSize(2); // the first failure, and one reminder after 5 minutes of the relay's clock
        assertThat(warnings.get(0).getFormattedMessage())
                .startsWith("Outbox relay batch failed, retrying in PT0.1S with back-off up to PT30S")
                .containsIgnoringCase("ballast_outbox");
        assertThat(warnings.get(1).getFormattedMessage()).startsWith("Outbox relay batch still failing: ");
        assertThat(failures.subList(1, failures.indexOf(warnings.get(1))))
                .allSatisfy(event -> assertThat(event.getLevel()).isEqualTo(Level.DEBUG));

        Outbox.builder(database).createSchema(true).build(); // the operator creates the tables
        int failed = failedAttempts().size();
        clock.advance(Duration.ofSeconds(31));
        Eventually.within(Duration.ofSeconds(10), "the recovery is logged", () -> relayLog.events().stream()
                .anyMatch(event -> event.getLevel() == Level.INFO));
        assertThat(relayLog.events().stream().filter(event -> event.getLevel() == Level.INFO))
                .singleElement()
                .satisfies(event -> assertThat(event.getFormattedMessage())
                        .startsWith("Outbox relay batch works again after " + failed + " failed attempts over "));
        assertThat(relay.lastHeartbeat()).isPresent();
    }

    @Test
    void aCommitInThisServiceEndsTheBackOffSoTheRelayGoesOnAsSoonAsTheDatabaseIsBack() throws Exception {
        Outbox outbox = Outbox.builder(database).build(); // no tables yet: every batch fails
        List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        relay = start(outbox, message -> published.add(message.requestId()));
        Eventually.within(
                Duration.ofSeconds(10),
                "the first failed batch",
                () -> failedAttempts().size() >= 1);
        for (int step = 2; step <= 8; step++) { // backed off to 12.8 s on the relay's clock
            int attempts = step;
            clock.advance(Duration.ofSeconds(30));
            Eventually.within(
                    Duration.ofSeconds(10),
                    "attempt " + step,
                    () -> failedAttempts().size() >= attempts);
        }
        assertThat(nextDelay(failedAttempts().getLast())).isEqualTo(Duration.ofMillis(12800));

        Outbox.builder(database).createSchema(true).build(); // the database works again
        clock.advance(Duration.ofMillis(100)); // one poll interval after the last failure, far from 12.8 s
        appendAndCommit(outbox, "r-1");

        // the relay's clock stays where it is: only the commit can end the back-off
        Eventually.within(Duration.ofSeconds(10), "the event published", () -> published.contains("r-1"));
    }

    @Test
    void aBatchThatCouldNotWriteItsOutcomesGivesItsLeasesBackOnceTheDatabaseAnswersAgain() throws Exception {
        LostCommitAcknowledgement faults = new LostCommitAcknowledgement(database);
        Outbox outbox = Outbox.builder(faults.dataSource()).createSchema(true).build();
        List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        relay = start(
                outbox,
                message -> { // the lease is the default 30 s
                    published.add(message.requestId());
                    if (published.size() == 1) { // the connection is lost while the first batch publishes
                        faults.breakNextStatement();
                    }
                });
        appendAndCommit(outbox, "r-1");
        Eventually.within(
                Duration.ofSeconds(10),
                "the batch fails writing its outcome",
                () -> failedAttempts().size() >= 1);

        clock.advance(Duration.ofSeconds(1)); // past the 100 ms back-off; the 30 s lease still runs

        Eventually.within(
                Duration.ofSeconds(10),
                "published again with its outcome",
                () -> published.size() >= 2
                        && relayLog.events().stream().anyMatch(event -> event.getFormattedMessage()
                                .startsWith("Outbox relay batch works again")));
        assertThat(published).containsExactly("r-1", "r-1"); // at least once: its first outcome was lost
        // the lost outcome used up no attempt: the claim's count was taken back with the lease
        assertThat(attemptsOf("r-1")).isEqualTo(1);
    }

    private long attemptsOf(String requestId) throws java.sql.SQLException {
        try (java.sql.Connection connection = database.getConnection();
                java.sql.PreparedStatement statement =
                        connection.prepareStatement("SELECT attempts FROM ballast_outbox WHERE request_id = ?")) {
            statement.setString(1, requestId);
            try (java.sql.ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    @Test
    void aClaimWhoseCommitWasAppliedButNeverConfirmedIsGivenBackOnceTheDatabaseAnswers() throws Exception {
        LostCommitAcknowledgement lost = new LostCommitAcknowledgement(database);
        Outbox outbox = Outbox.builder(lost.dataSource()).createSchema(true).build();
        List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        relay = start(outbox, message -> published.add(message.requestId()));
        lost.arm();
        appendAndCommit(outbox, "r-1");
        Eventually.within(
                Duration.ofSeconds(10),
                "the claim's commit fails after it was applied",
                () -> lost.fired() && failedAttempts().size() >= 1);

        clock.advance(Duration.ofSeconds(1)); // past the 100 ms back-off; the claim's 30 s lease still runs

        Eventually.within(Duration.ofSeconds(10), "published", () -> published.contains("r-1"));
    }

    @Test
    void aBatchWhoseAcknowledgedOutcomeWasLostWithTheServerIsPublishedAgainWithoutWaitingForItsLease()
            throws Exception {
        LostCommitAcknowledgement faults = new LostCommitAcknowledgement(database);
        Outbox outbox = Outbox.builder(faults.dataSource()).createSchema(true).build();
        List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        relay = start(outbox, message -> published.add(message.requestId()));
        faults.loseNextOutcome(); // acknowledged, then gone with the server, as an asynchronous commit in a failover
        appendAndCommit(outbox, "r-1");
        Eventually.within(
                Duration.ofSeconds(10),
                "a batch fails on the server that went away",
                () -> published.size() == 1 && failedAttempts().size() >= 1);
        assertThat(attemptsOf("r-1")).isEqualTo(1); // still pending, still leased to the relay for 30 s

        faults.serverBack();
        clock.advance(Duration.ofSeconds(1)); // past the 100 ms back-off; the lease runs another 29 s

        Eventually.within(Duration.ofSeconds(10), "published again", () -> published.size() >= 2);
        assertThat(published).containsExactly("r-1", "r-1"); // at least once: its first outcome was lost
        Eventually.within(Duration.ofSeconds(10), "its outcome written", () -> pending() == 0);
    }

    private long pending() {
        try (java.sql.Connection connection = database.getConnection();
                java.sql.Statement statement = connection.createStatement();
                java.sql.ResultSet row =
                        statement.executeQuery("SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PENDING'")) {
            row.next();
            return row.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A connection lost just after the database applied a commit, before its answer came back: the relay's next commit
     * of a claim (a transaction that wrote a lease) is carried out, then fails as a broken connection does.
     */
    private static final class LostCommitAcknowledgement {
        private final javax.sql.DataSource target;
        private final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.atomic.AtomicBoolean fired = new java.util.concurrent.atomic.AtomicBoolean();

        LostCommitAcknowledgement(javax.sql.DataSource target) {
            this.target = target;
        }

        private final java.util.concurrent.atomic.AtomicBoolean breakStatement =
                new java.util.concurrent.atomic.AtomicBoolean();

        private final java.util.concurrent.atomic.AtomicBoolean loseOutcome =
                new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();

        void arm() {
            armed.set(true);
        }

        /**
         * The next commit of a batch's outcome (a transaction that released a lease) is answered as done and rolled
         * back, and from then on every statement fails as on a lost connection (08006) until {@link #serverBack}.
         */
        void loseNextOutcome() {
            loseOutcome.set(true);
        }

        void serverBack() {
            down.set(false);
        }

        /** The next statement prepared on any connection fails as on a lost connection (08006). */
        void breakNextStatement() {
            breakStatement.set(true);
        }

        boolean fired() {
            return fired.get();
        }

        javax.sql.DataSource dataSource() {
            return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                        Object result = invoke(target, method, args);
                        return result instanceof java.sql.Connection connection ? connection(connection) : result;
                    });
        }

        private java.sql.Connection connection(java.sql.Connection real) {
            boolean[] leased = {false};
            boolean[] released = {false};
            return (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {java.sql.Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("prepareStatement")
                                && (down.get() || breakStatement.compareAndSet(true, false))) {
                            throw new java.sql.SQLException(
                                    "An I/O error occurred while sending to the backend.", "08006");
                        }
                        if (method.getName().equals("prepareStatement")
                                && String.valueOf(args[0]).contains("SET lease_owner = ?")) {
                            leased[0] = true;
                        }
                        if (method.getName().equals("prepareStatement")
                                && String.valueOf(args[0]).contains("lease_owner = NULL")) {
                            released[0] = true;
                        }
                        if (method.getName().equals("commit")) {
                            boolean outcome = released[0];
                            released[0] = false;
                            if (outcome && loseOutcome.compareAndSet(true, false)) {
                                real.rollback(); // acknowledged below, never made durable
                                down.set(true);
                                return null;
                            }
                        }
                        Object result = invoke(real, method, args);
                        if (method.getName().equals("commit")) {
                            boolean claim = leased[0];
                            leased[0] = false;
                            if (claim && armed.compareAndSet(true, false)) {
                                fired.set(true);
                                throw new java.sql.SQLException(
                                        "An I/O error occurred while sending to the backend.", "08006");
                            }
                        }
                        return result;
                    });
        }

        private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    /** The relay under test on {@link #clock}, polling every 100 ms, without LISTEN, housekeeping out of the way. */
    private OutboxRelay start(Outbox outbox, java.util.function.Consumer<OutboxMessage> handler) {
        return outbox.relay(OutboxPublisher.inProcess(handler))
                .clock(clock)
                .pollInterval(Duration.ofMillis(100))
                .housekeepingInterval(Duration.ofHours(1))
                .listen(false)
                .build()
                .start();
    }

    /** An append committed in this service, then what {@code TransactionalOutbox} does after the commit. */
    private void appendAndCommit(Outbox outbox, String requestId) throws java.sql.SQLException {
        try (java.sql.Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            outbox.append(
                    connection,
                    OutboxEvent.of(requestId, "Order", "O-1", "OrderPlaced", "{}".getBytes(StandardCharsets.UTF_8)));
            connection.commit();
        }
        outbox.afterCommit();
    }

    private void execute(String sql) {
        try (java.sql.Connection connection = database.getConnection();
                java.sql.Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The relay's log lines of failed batches, one per attempt. */
    private List<ILoggingEvent> failedAttempts() {
        return relayLog.events().stream()
                .filter(event -> event.getLevel() == Level.WARN || event.getLevel() == Level.DEBUG)
                .filter(event -> event.getFormattedMessage().startsWith("Outbox relay batch"))
                .toList();
    }

    /** The back-off a failure line announces (its first duration argument). */
    private static Duration nextDelay(ILoggingEvent event) {
        return Arrays.stream(event.getArgumentArray())
                .filter(Duration.class::isInstance)
                .map(Duration.class::cast)
                .findFirst()
                .orElseThrow();
    }

    private static HikariDataSource h2() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:relay-backoff-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }
}
