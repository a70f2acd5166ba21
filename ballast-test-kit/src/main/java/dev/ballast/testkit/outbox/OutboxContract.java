package dev.ballast.testkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.outbox.Appended;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.HeadOfLinePolicy;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.PublishResult;
import dev.ballast.test.Eventually;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * What a database must do to run Ballast's outbox: appends commit and roll back with the caller's transaction and are
 * idempotent by request id (also when two transactions race), idempotent commands apply their business write once,
 * the relay publishes each aggregate's events in order and never two at once, retries after a backoff, dead-letters
 * after the last attempt, catches tampered rows, recovers from a relay that died mid-batch, pauses through a broker
 * outage without spending attempts, shuts down giving back its leases, and keeps its metrics.
 *
 * <p>A test proves a database (a dialect Ballast supports, or one being added) by extending this class and supplying
 * {@link #dataSource()}: a pool on that database with room for 16 connections; optionally {@link #secondInstance()},
 * a second pool standing for another instance of the service. Each test runs on its own random table prefix, creates
 * the outbox's tables with it, and drops them afterwards, so the suite runs against a shared server. The relays the
 * tests start run on {@link #clock}, which the tests advance to let leases run out and backoffs and pauses pass; they
 * publish to {@link #recorder}. A few clauses read the outbox's own tables (a parked aggregate, a lease owner, a
 * payload a test tampers with), as the outbox documents them in docs/outbox.md.
 *
 * <p>The clauses come in three parts, each a class this one extends: appending ({@link OutboxAppendContract}), relaying
 * ({@link OutboxRelayContract}), and here recovery from a crashed relay, a broker outage, shutdown, the after-commit
 * wake-up and the metrics; what they share is {@link OutboxFixture}. Extending this class runs all of them.
 */
public abstract class OutboxContract extends OutboxRelayContract {

    /** Creates the contract; JUnit calls it once per test. */
    protected OutboxContract() {}

    // ---- stalled recovery, outage, dead-letter file, retention

    @Test
    void aPoisonEventThatKillsTheRelayReachesTheDeadLettersInsteadOfLooping() throws Exception {
        append(event("r-poison", "O-1", "poison"));
        append(event("r-innocent", "O-1", "innocent"));
        recorder.behaviour(message -> {
            if (message.requestId().equals("r-poison")) {
                throw new RelayCrash(); // as if the relay process died mid-batch: nothing is written back
            }
            return PublishResult.published();
        });
        OutboxRelay relay = relay().maxAttempts(2)
                .lease(Duration.ofMinutes(1))
                .headOfLine(HeadOfLinePolicy.SKIP)
                .build();
        // two crashes in batches with the innocent event, then one with the poison claimed alone
        for (int crash = 0; crash < 3; crash++) {
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
        assertThat(recorder.published().getFirst().attempt())
                .as("the innocent event lost the attempts of the two crashes before the poison was claimed alone, and"
                        + " was still published though they spent its maxAttempts")
                .isEqualTo(3);
    }

    @Test
    void eventsClaimedAlongsideAPoisonEventAreNotDeadLetteredWithIt() throws Exception {
        for (int i = 0; i < 4; i++) {
            for (String aggregate : List.of("O-1", "O-2", "O-3")) {
                String request = aggregate.equals("O-2") && i == 1 ? "r-poison" : "r-" + aggregate + "-" + i;
                append(event(request, aggregate, request));
            }
        }
        recorder.behaviour(message -> {
            if (message.requestId().equals("r-poison")) {
                throw new RelayCrash();
            }
            return PublishResult.published();
        });
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

        assertThat(crashes)
                .as("two crashes in batches with the others, one with the poison claimed alone")
                .isEqualTo(3);
        assertThat(outbox.deadLetters().list(10))
                .extracting(DeadLetter::requestId)
                .containsExactly("r-poison");
        assertThat(recorder.published())
                .as("no other event was claimed with the poison once it went alone")
                .allSatisfy(message -> assertThat(message.attempt()).isLessThanOrEqualTo(3));
        assertThat(recorder.published().stream()
                        .map(OutboxMessage::requestId)
                        .distinct()
                        .count())
                .isEqualTo(11);
    }

    @Test
    void theEventsARelayDiedWithGoOutInOneBatchOnceItsLeaseRunsOut() throws Exception {
        int aggregates = 40;
        for (int seq = 1; seq <= 3; seq++) {
            for (int a = 0; a < aggregates; a++) {
                append(event("r-" + a + "-" + seq, "O-" + a, "O-" + a + "#" + seq));
            }
        }
        AtomicBoolean killed = new AtomicBoolean();
        recorder.behaviour(message -> {
            if (message.aggregateSequence() == 2 && !killed.getAndSet(true)) {
                throw new RelayCrash(); // SIGKILLed mid-wave (a deploy, an OOM kill): every claimed event is pending
            }
            return PublishResult.published();
        });
        OutboxRelay relay = relay().lease(Duration.ofMinutes(1)).build();
        assertThatThrownBy(relay::drainOnce).isInstanceOf(RelayCrash.class);
        assertThat(relay.drainOnce()).as("the dead relay's lease still holds").isZero();
        clock.advance(Duration.ofSeconds(61));

        assertThat(relay.drainOnce())
                .as("one batch publishes every event the dead relay had claimed, not one event per batch")
                .isEqualTo(3 * aggregates);
        assertThat(count("outbox WHERE status = 'PENDING'")).isZero();
        assertThat(outbox.deadLetters().count()).isZero();
        assertThat(recorder.overlaps()).isZero();
        Map<String, Long> last = new HashMap<>();
        for (OutboxMessage message : recorder.published()) {
            long previous = last.getOrDefault(message.aggregateId(), 0L);
            if (message.aggregateSequence() > previous) { // a repeat of what the dead relay sent is allowed
                assertThat(message.aggregateSequence())
                        .as("first deliveries of " + message.aggregateId() + " in order")
                        .isEqualTo(previous + 1);
                last.put(message.aggregateId(), message.aggregateSequence());
            }
        }
        assertThat(last).hasSize(aggregates).allSatisfy((aggregate, seq) -> assertThat(seq)
                .isEqualTo(3L));
    }

    @Test
    void anEventRetriedAfterAFailedPublishGoesOutInANormalBatchNotAlone() throws Exception {
        for (String aggregate : List.of("O-1", "O-2", "O-3")) {
            append(event("r-" + aggregate + "-1", aggregate, aggregate + "#1"));
        }
        AtomicBoolean failedOnce = new AtomicBoolean();
        recorder.behaviour(message -> message.requestId().equals("r-O-1-1") && !failedOnce.getAndSet(true)
                ? PublishResult.failed(new IllegalStateException("broker hiccup"))
                : PublishResult.published());
        OutboxRelay relay = relay().build();
        assertThat(relay.drainOnce())
                .as("O-2 and O-3 published, O-1 retried later")
                .isEqualTo(2);
        for (String aggregate : List.of("O-1", "O-2", "O-3")) {
            append(event("r-" + aggregate + "-2", aggregate, aggregate + "#2"));
        }
        clock.advance(Duration.ofSeconds(1)); // the backoff (at most 5 ms here) is over

        assertThat(relay.drainOnce())
                .as("a failure has an outcome (its attempt is logged): the retry is no crash suspect")
                .isEqualTo(4);
        assertThat(recorder.bodies()).containsSubsequence("O-1#1", "O-1#2");
        assertThat(recorder.published().stream()
                        .filter(message -> message.requestId().equals("r-O-1-1")))
                .singleElement()
                .satisfies(message -> assertThat(message.attempt()).isEqualTo(2));
    }

    @Test
    void aBrokerOutagePausesTheRelayWithoutSpendingAttempts() throws Exception {
        AtomicBoolean brokerDown = fiveEventsAndABrokerThatIsDown();
        OutboxRelay relay = started(relay().maxAttempts(2).outagePause(Duration.ofMinutes(1), Duration.ofMinutes(2)));
        awaitTrue(() ->
                alerts.stream().anyMatch(alert -> alert.title().equals("Outbox relay paused: broker unreachable")));
        awaitTrue(() -> pausedByItsClock(relay));
        for (int round = 2; round <= 4; round++) { // more rounds than maxAttempts
            clock.advance(Duration.ofMinutes(2)); // the pause (1 min, then 2) is over
            int publishes = 5 * round;
            awaitTrue(() -> recorder.calls() >= publishes && pausedByItsClock(relay));
            assertThat(recorder.calls())
                    .as("one batch per pause: nothing was claimed while paused")
                    .isEqualTo(publishes);
        }

        // every claimed attempt has been given back
        awaitTrue(() -> sumQuietly("attempts") == 0);
        assertThat(outbox.deadLetters().count()).isZero();
        brokerDown.set(false);
        clock.advance(Duration.ofMinutes(2));
        awaitTrue(() -> recorder.published().size() == 5);
        awaitTrue(() -> alerts.stream()
                .anyMatch(alert -> alert.isResolved()
                        && alert.title().equals("Outbox relay paused: broker unreachable")
                        && alert.detail().startsWith("Outbox relay resumed")));
    }

    /**
     * Found by reading the relay after a database failover check: the pause after a broker outage doubles up to its cap
     * (60 s by default), and nothing ended it early, so a relay resumed up to a minute after the broker was back. While
     * paused it now tries one event every base pause, and the pause ends when that one is published.
     */
    @Test
    void whileABrokerOutagePauseLastsOneEventIsTriedEveryBasePauseAndEndsItWhenTheBrokerIsBack() throws Exception {
        AtomicBoolean brokerDown = fiveEventsAndABrokerThatIsDown();
        OutboxRelay relay = started(relay().outagePause(Duration.ofMinutes(1), Duration.ofMinutes(8)));
        awaitTrue(() -> recorder.calls() == 5 && pausedByItsClock(relay)); // paused 1 min
        clock.advance(Duration.ofMinutes(1));
        awaitTrue(() -> recorder.calls() == 10 && pausedByItsClock(relay)); // paused 2 min
        clock.advance(Duration.ofMinutes(2));
        awaitTrue(() -> recorder.calls() == 15 && pausedByItsClock(relay)); // paused 4 min
        clock.advance(Duration.ofMinutes(1));
        awaitTrue(() -> recorder.calls() == 16); // the probe: one event, refused
        assertThat(pausedByItsClock(relay))
                .as("a refused probe leaves the pause as it was")
                .isTrue();

        brokerDown.set(false);
        clock.advance(Duration.ofMinutes(1)); // 2 of the pause's 4 minutes have passed: the next probe is due

        awaitTrue(() -> recorder.published().size() == 5);
        assertThat(relay.outagePauseEnd()).as("the pause ended with the probe").isEmpty();
        assertThat(recorder.published())
                .as("no attempt spent by the outage")
                .allSatisfy(message -> assertThat(message.attempt()).isEqualTo(1));
    }

    @Test
    void closeLetsTheRunningBatchFinishItsWavesAndGivesBackItsLeases() throws Exception {
        for (int i = 0; i < 3; i++) {
            append(event("r-" + i, "O-1", "body-" + i)); // one aggregate: three waves in one batch
        }
        CountDownLatch publishing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        recorder.behaviour(message -> {
            if (message.requestId().equals("r-0")) {
                publishing.countDown();
                await(release);
            }
            return PublishResult.published();
        });
        OutboxRelay relay =
                relay().owner("relay-a").lease(Duration.ofMinutes(5)).build().start();
        assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(leasesHeldBy(relay)).isEqualTo(1);

        Thread closer = Thread.ofPlatform().start(relay::close);
        awaitTrue(() -> closer.getState() == Thread.State.TIMED_WAITING); // close() waits for the batch
        release.countDown();
        closer.join(Duration.ofSeconds(30));
        assertThat(closer.isAlive()).isFalse();

        assertThat(recorder.bodies()).containsExactly("body-0", "body-1", "body-2");
        assertThat(leasesHeldBy(relay)).isZero();
        assertThat(count("outbox WHERE status = 'PENDING'")).isZero();
    }

    @Test
    void aRelayClosingUnderTheSameNameAsARunningOneLeavesThatOnesLeasesSoNoThirdRelayPublishesItsAggregate()
            throws Exception {
        append(event("r-1", "O-1", "held"));
        CountDownLatch publishing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        recorder.behaviour(message -> {
            if (first.getAndSet(false)) { // the running relay's publish, held; any later one goes through
                publishing.countDown();
                await(release);
            }
            return PublishResult.published();
        });
        OutboxRelay running =
                relay().owner("pod").lease(Duration.ofMinutes(5)).build().start();
        try {
            assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();
            OutboxRelay namesake =
                    relay().owner("pod").lease(Duration.ofMinutes(5)).build();
            assertThat(namesake.leaseOwner()).isNotEqualTo(running.leaseOwner());

            namesake.start().close(); // a second instance configured with the same ballast.instance-name stops

            assertThat(leasesHeldBy(running))
                    .as("the running relay's lease, after its namesake closed")
                    .isEqualTo(1);
            OutboxRelay third =
                    relay().owner("other").lease(Duration.ofMinutes(5)).build();
            assertThat(third.drainOnce())
                    .as("events another relay publishes while the first still publishes O-1")
                    .isZero();
        } finally {
            release.countDown();
            running.close();
        }
        assertThat(recorder.bodies()).containsExactly("held");
    }

    @Test
    void aBatchStuckPastTheShutdownTimeoutHasItsLeasesReleasedAndAnotherRelayTakesOverAtOnce() throws Exception {
        append(event("r-1", "O-1", "stuck"));
        CountDownLatch publishing = new CountDownLatch(1);
        CountDownLatch unstick = new CountDownLatch(1);
        AtomicBoolean stuck = new AtomicBoolean(true);
        recorder.behaviour(message -> {
            if (stuck.get()) {
                publishing.countDown();
                awaitIgnoringInterrupts(unstick); // a publish blocked in I/O that an interrupt does not end
            }
            return PublishResult.published();
        });
        OutboxRelay relay = relay().owner("relay-a")
                .lease(Duration.ofMinutes(5))
                .shutdownTimeout(Duration.ofMillis(200))
                .build()
                .start();
        try {
            assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();

            relay.close();

            assertThat(leasesHeldBy(relay))
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
    void afterCommitWakesAnIdleRelayAtOnce() throws Exception {
        OutboxRelay relay = started(relay().pollInterval(Duration.ofMinutes(1)).listen(false));
        // the worker's first batch found nothing: its next poll is a minute away, well past the wait below
        Eventually.within(Duration.ofSeconds(30), "the first, empty batch", () -> relay.lastHeartbeat()
                .isPresent());
        append(event("r-1", "O-1", "now"));
        outbox.afterCommit();

        Eventually.within(
                Duration.ofSeconds(20),
                "the woken relay publishes",
                () -> recorder.published().size() == 1);
    }

    @Test
    void metricsCountWhatHappenedAndGaugeTheBacklog() throws Exception {
        append(event("r-1", "O-1", "one"));
        append(event("r-2", "O-2", "two"));
        append(event("r-3", "O-3", "rejected"));
        recorder.behaviour(message -> message.requestId().equals("r-3")
                ? PublishResult.failed(new IllegalStateException("rejected"))
                : PublishResult.published());
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

    @Test
    void aDeadLetterReplayedDaysLaterIsAsOldAsItsReplayNotItsAppend() throws Exception {
        Appended appended = append(event("r-old", "O-1", "old"));
        recorder.behaviour(message -> PublishResult.failed(new IllegalStateException("rejected")));
        OutboxRelay relay = relay().maxAttempts(1).build();
        drainUntilQuiet(relay);
        assertThat(outbox.deadLetters().count()).isOne();
        // the letter waited two days for a person: its event was appended two days before the replay
        backdate("outbox SET created_at = ?", Duration.ofDays(2), appended.eventId());

        outbox.deadLetters().replay(appended.eventId(), "ops@desk", "consumer fixed");

        assertThat(outbox.status().oldestPendingAge())
                .as("pending since the replay, not since the append two days ago: no stuck-backlog alert for it")
                .isLessThan(Duration.ofMinutes(1));
        // nobody publishes it after the replay: it ages from the replay on, and a stuck relay still shows
        backdate("outbox_dlq SET resolved_at = ?", Duration.ofSeconds(90), appended.eventId());
        assertThat(outbox.status().oldestPendingAge()).isBetween(Duration.ofSeconds(89), Duration.ofMinutes(3));
    }

    /** Sets the timestamp of {@code assignment} ({@code <table> SET <column> = ?}) to {@code ago} before now. */
    private void backdate(String assignment, Duration ago, String eventId) throws SQLException {
        try (Connection connection = dataSource().getConnection();
                PreparedStatement statement =
                        connection.prepareStatement("UPDATE " + prefix + assignment + " WHERE event_id = ?")) {
            statement.setTimestamp(1, Timestamp.from(Instant.now().minus(ago)));
            statement.setString(2, eventId);
            assertThat(statement.executeUpdate()).isOne();
        }
    }

    // ---- helpers

    /** Five events of five aggregates, and a broker that refuses connections until the returned flag is cleared. */
    private AtomicBoolean fiveEventsAndABrokerThatIsDown() throws Exception {
        for (int i = 0; i < 5; i++) {
            append(event("r-" + i, "O-" + i, "body-" + i));
        }
        AtomicBoolean brokerDown = new AtomicBoolean(true);
        recorder.behaviour(message -> brokerDown.get()
                ? PublishResult.failed(new UncheckedIOException(new ConnectException("Connection refused")))
                : PublishResult.published());
        return brokerDown;
    }

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

    private long leasesHeldBy(OutboxRelay relay) throws SQLException {
        return queryLong(
                "SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE lease_owner = '" + relay.leaseOwner() + "'");
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

    /** Stands for the relay process dying: not an exception the relay may catch. */
    private static final class RelayCrash extends Error {
        private static final long serialVersionUID = 1L;
    }
}
