package dev.ballast.testkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.Severity;
import dev.ballast.outbox.Appended;
import dev.ballast.outbox.CommandOutcome;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.HeadOfLinePolicy;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.PublishResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The outbox contract's clauses on relaying: a stopped relay starts again, an operator's pause holds every relay on
 * the tables (also after a restart) until resumed, each aggregate's events are published in
 * order and never two at once, an idle aggregate is parked and made due by its next append, a failed publish is
 * retried after its backoff, the last failed attempt makes a dead letter (blocking its aggregate or skipped, replayed or
 * discarded; in a file when its table cannot be written), a tampered payload, sequence number or HMAC is never
 * published, and published rows and the request ids of idempotent commands are deleted after their retention. Part of {@link OutboxContract},
 * which a test extends.
 */
public abstract class OutboxRelayContract extends OutboxAppendContract {

    /** Creates the contract; JUnit calls it once per test. */
    protected OutboxRelayContract() {}

    @Test
    void aClosedRelayStartsAgainAndPublishesWhatWasAppendedWhileItWasStopped() throws Exception {
        OutboxRelay relay = started(relay().owner("relay-restarted"));
        append(event("r-before", "O-1", "{\"n\":1}"));
        awaitTrue(() -> recorder.published().size() == 1);

        relay.close(); // what a Spring context's stop() (or the test framework's pausing) does
        append(event("r-while-stopped", "O-1", "{\"n\":2}"));
        relay.start();

        awaitTrue(() -> recorder.published().size() == 2);
        assertThat(recorder.published())
                .extracting(OutboxMessage::requestId)
                .containsExactly("r-before", "r-while-stopped");
        assertThat(relay.isRunning()).isTrue();
    }

    @Test
    void anOperatorsPauseOnOneInstanceStopsEveryRelayOnTheTablesAndOutlivesARestartUntilResumed() throws Exception {
        // the instance that gets the operator's request need not be the one relaying: its relay is not even started
        OutboxRelay here = relay().owner("instance-a").build();
        OutboxRelay there = started(relay().owner("instance-b"));
        long unpausedStart = System.nanoTime();
        append(event("r-unpaused", "O-1", "{\"n\":1}"));
        awaitTrue(() -> recorder.published().size() == 1);
        long unpausedMillis =
                Duration.ofNanos(System.nanoTime() - unpausedStart).toMillis();
        assertThat(here.isPaused()).isFalse();
        assertThat(here.lastPauseChange()).isEmpty();

        assertThat(here.pause("ops-kim")).isTrue();
        assertThat(here.pause("ops-lee")).as("paused already").isFalse();
        awaitTrue(there::isPaused); // the other instance reads the shared row within its poll interval
        assertThat(registry.get("ballast.outbox.relay.paused").gauge().value()).isEqualTo(1.0);
        append(event("r-paused", "O-2", "{\"n\":2}"));
        // the other relay published the first event in unpausedMillis; give it twenty times that (and 20 polls)
        Thread.sleep(Math.max(400, 20 * unpausedMillis));
        assertThat(recorder.published())
                .extracting(OutboxMessage::requestId)
                .as("published while every relay was paused")
                .containsExactly("r-unpaused");

        there.close(); // the relaying instance restarts: the pause is in the database, not in the JVM
        OutboxRelay restarted = started(relay().owner("instance-b"));
        assertThat(restarted.isPaused()).isTrue();
        assertThat(restarted.lastPauseChange().orElseThrow().by()).isEqualTo("ops-kim");

        assertThat(restarted.resume("ops-lee")).isTrue();
        assertThat(restarted.resume("ops-lee")).as("running already").isFalse();
        awaitTrue(() -> recorder.published().size() == 2);
        assertThat(recorder.published()).extracting(OutboxMessage::requestId).containsExactly("r-unpaused", "r-paused");
        awaitTrue(() -> !here.isPaused());
        assertThat(here.lastPauseChange().orElseThrow().by()).isEqualTo("ops-lee");
        assertThat(registry.get("ballast.outbox.relay.paused").gauge().value()).isZero();
        here.close();
    }

    @Test
    void withoutTheControlTableTheRelayStillPublishesAndAPauseFailsWithTheDatabasesError() throws Exception {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE " + prefix + "outbox_control"); // an upgrade that did not run the V3 script
        }
        OutboxRelay relay = started(relay().owner("no-control-table"));
        append(event("r-1", "O-1", "{\"n\":1}"));
        awaitTrue(() -> recorder.published().size() == 1);
        assertThat(relay.isPaused()).isFalse();
        assertThatThrownBy(() -> relay.pause("ops-kim")).isInstanceOf(SQLException.class);
        assertThat(relay.isPaused()).isFalse();
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
        recorder.slowMillis(1);
        for (int r = 0; r < 3; r++) { // three relays with two threads each share the work
            started(relay().threads(2).batchAggregates(3).maxPerAggregate(4).owner("relay-" + r));
        }
        awaitTrue(() -> recorder.published().size() >= aggregates * perAggregate);

        assertThat(recorder.overlaps())
                .as("two events of one aggregate in flight at once")
                .isZero();
        Map<String, List<Long>> sequences = new ConcurrentHashMap<>();
        recorder.published().forEach(message -> sequences
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
        recorder.behaviour(
                message -> message.attempt() == 1 && message.requestId().equals("r-1")
                        ? PublishResult.failed(new IllegalStateException("rejected by the broker"))
                        : PublishResult.published());
        OutboxRelay relay =
                relay().backoff(Duration.ofMinutes(1), Duration.ofMinutes(2)).build();

        relay.drainOnce();
        assertThat(recorder.published()).isEmpty();
        assertThat(relay.drainOnce()).as("the aggregate waits for its backoff").isZero();
        clock.advance(Duration.ofSeconds(25));
        assertThat(relay.drainOnce()).as("25 s into a backoff of 30 to 60 s").isZero();
        clock.advance(Duration.ofSeconds(36));
        relay.drain();

        assertThat(recorder.published()).extracting(OutboxMessage::requestId).containsExactly("r-1", "r-2");
        assertThat(recorder.published()).extracting(OutboxMessage::attempt).containsExactly(2, 1);
    }

    @Test
    void afterTheLastAttemptTheEventIsADeadLetterAndBlocksItsAggregateUntilDiscarded() throws Exception {
        Appended poison = append(event("r-poison", "O-1", "poison"));
        append(event("r-next", "O-1", "next"));
        append(event("r-other", "O-2", "other"));
        recorder.behaviour(message -> message.requestId().equals("r-poison")
                ? PublishResult.failed(new IllegalArgumentException("schema rejected"))
                : PublishResult.published());
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
        recorder.behaviour(message -> message.requestId().equals("r-poison")
                ? PublishResult.failed(new IllegalArgumentException("schema rejected"))
                : PublishResult.published());
        drainUntilQuiet(relay().maxAttempts(1).headOfLine(HeadOfLinePolicy.SKIP).build());

        assertThat(recorder.bodies()).containsExactly("next");
        assertThat(outbox.deadLetters().count()).isEqualTo(1);
        assertParkedExactlyWhenIdle();
    }

    @Test
    void aReplayedDeadLetterIsPublishedWithFreshAttempts() throws Exception {
        Appended appended = append(event("r-1", "O-1", "body"));
        AtomicBoolean brokerAccepts = new AtomicBoolean(false);
        recorder.behaviour(message -> brokerAccepts.get()
                ? PublishResult.published()
                : PublishResult.failed(new IllegalStateException("not yet")));
        OutboxRelay relay = relay().maxAttempts(1).build();
        drainUntilQuiet(relay);
        assertThat(outbox.deadLetters().count()).isEqualTo(1);

        brokerAccepts.set(true);
        outbox.deadLetters().replay(appended.eventId(), "ops@desk", "broker schema fixed");
        drainUntilQuiet(relay);

        assertThat(recorder.published()).singleElement().satisfies(message -> {
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

        assertThat(recorder.published()).isEmpty();
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

        assertThat(recorder.published()).isEmpty();
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

        assertThat(recorder.published()).isEmpty();
        assertThat(outbox.deadLetters().find(appended.eventId()).orElseThrow().reason())
                .isEqualTo(DeadLetterReason.INTEGRITY_VIOLATION);
    }

    // ---- the dead-letter file, retention

    @Test
    void whenTheDeadLetterTableCannotBeWrittenTheEventGoesToTheFileAndCanBeImported() throws Exception {
        Appended appended = append(event("r-1", "O-1", "keep me"));
        recorder.behaviour(message -> PublishResult.failed(new IllegalStateException("rejected")));
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
        assertThat(purged("outbox")).isEqualTo(1);
    }

    @Test
    void requestRetentionDeletesOnlyRequestIdsPastTheirTimeAndARepeatAfterThatRunsAsNew() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        runOnce("pay:1", runs);
        runOnce("pay:2", runs);
        OutboxRelay relay = relay().retention(Duration.ofDays(7))
                .requestRetention(Duration.ofHours(1))
                .build();
        assertThat(relay.deleteExpiredRequests()).as("both within the hour").isZero();
        try (Connection connection = dataSource().getConnection();
                PreparedStatement age = connection.prepareStatement(
                        "UPDATE " + prefix + "outbox_request SET created_at = ? WHERE request_id = 'pay:1'")) {
            age.setTimestamp(1, Timestamp.from(clock.instant().minus(Duration.ofMinutes(61)))); // the rows are
            age.executeUpdate(); // stamped by the database's clock, which the test cannot move: pay:1 ages instead
        }

        assertThat(relay.deleteExpiredRequests()).isEqualTo(1);
        assertThat(count("outbox_request")).isEqualTo(1);
        assertThat(purged("request")).isEqualTo(1);
        assertThat(runOnce("pay:2", runs).repeated()).as("kept: a repeat").isTrue();
        assertThat(runOnce("pay:1", runs).repeated()).as("deleted: runs as new").isFalse();
        assertThat(runs).hasValue(3);
    }

    private CommandOutcome runOnce(String requestId, AtomicInteger runs) throws SQLException {
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(false);
            CommandOutcome outcome = outbox.executeOnce(
                    connection,
                    requestId,
                    requestId.getBytes(StandardCharsets.UTF_8),
                    c -> "run " + runs.incrementAndGet());
            connection.commit();
            return outcome;
        }
    }

    private double purged(String table) {
        return registry.get("ballast.outbox.purged")
                .tag("table", table)
                .counter()
                .count();
    }
}
