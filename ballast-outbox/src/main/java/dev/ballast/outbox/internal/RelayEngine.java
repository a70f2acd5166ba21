package dev.ballast.outbox.internal;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.HeadOfLinePolicy;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.PublishResult;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relay batch: claim, verify and publish in waves (one event per aggregate per wave, so an aggregate's events go
 * out in order and never two at once), then write every outcome in one transaction. Thread-safe; several threads and
 * instances may run batches at once.
 */
public final class RelayEngine {

    private static final Logger log = LoggerFactory.getLogger(RelayEngine.class);

    private final RelayClaims claims;
    private final RelayCompletion completion;
    private final Integrity integrity;
    private final OutboxPublisher publisher;
    private final RelayConfig config;
    private final ExceptionClassifier classifier;
    private final AlertSink alerts;
    private final OutboxMeters meters;
    private final DeadLetterFile deadLetterFile;
    private final RelayTransactions transactions;
    private final String giveBackLease;
    private final String undoAttempts;
    /**
     * Claims whose batch could not write its outcomes (the database went away in the middle), or whose commit failed
     * after the leases were written (it may have been applied): their leases are given back once the database answers
     * again ({@link #giveBackUnfinished}), instead of holding their aggregates for the rest of the lease.
     */
    private final Queue<UnfinishedClaim> unfinished = new ConcurrentLinkedQueue<>();
    /** Aggregates in this relay's running batches, from before their claim commits until their batch ends. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /**
     * Claims (read) against a give-back (write): while a give-back runs no claim of this relay is under way, so every
     * lease of this relay on an aggregate outside {@link #inFlight} is one to give back, whichever claim wrote it.
     */
    private final ReadWriteLock claimGuard = new ReentrantReadWriteLock();
    /**
     * Set when a batch of this relay lost its connection, or the relay's LISTEN connection came back: the server may
     * have gone away (a crash, a failover) after acknowledging an outcome write of this relay that it never made
     * durable (the relay commits asynchronously), so a batch that ended well here may have left its leases on the
     * server that answers now. The next {@link #giveBackUnfinished} then gives back the leases of the batches this
     * relay completed lately ({@link #giveBackCompleted}).
     */
    private volatile boolean completedInDoubt;
    /** The aggregates of this relay's latest completed batches, oldest first, at most {@link #RECENT_BATCHES}. */
    private final Deque<Completed> completed = new ArrayDeque<>();

    private static final int RECENT_BATCHES = 256;

    private record Completed(List<RelayClaims.ClaimedAggregate> aggregates, long atMillis) {}

    /**
     * {@code undoAttempts}: the claim certainly committed and its batch's outcome write was lost to the connection
     * ({@link #connectionLost}), so its count of an attempt on each event is taken back with the lease, as an outage
     * uses up no one's attempts; not for a claim whose commit may not have been applied.
     */
    private record UnfinishedClaim(
            List<RelayClaims.ClaimedAggregate> aggregates, long claimedAtMillis, boolean undoAttempts) {}

    public RelayEngine(OutboxRuntime runtime, OutboxPublisher publisher, RelayConfig config) {
        this.transactions = new RelayTransactions(
                runtime.dataSource(), runtime.tables(), config.asynchronousCommit(), runtime.networkTimeout());
        this.giveBackLease = "UPDATE " + runtime.tables().aggregate + " SET lease_owner = NULL, lease_until = NULL"
                + " WHERE aggregate_type = ? AND aggregate_id = ? AND lease_owner = ?";
        this.undoAttempts = "UPDATE " + runtime.tables().outbox + " SET attempts = attempts - 1"
                + " WHERE status = 'PENDING' AND attempts > 0 AND id IN ";
        this.claims = new RelayClaims(transactions, runtime.tables(), config.time());
        this.completion = new RelayCompletion(transactions, runtime.tables(), config.time());
        this.integrity = runtime.integrity();
        this.publisher = publisher;
        this.config = config;
        this.classifier = config.classifier();
        this.alerts = runtime.alerts();
        this.meters = runtime.meters();
        this.deadLetterFile = new DeadLetterFile(config.deadLetterFile());
    }

    /**
     * The outcome of one batch.
     *
     * @param claimed events claimed
     * @param changed events published or dead-lettered
     * @param outage true if every publish failed with an infrastructure error (the broker looks down)
     */
    public record BatchResult(int claimed, int changed, boolean outage) {}

    /** Runs one batch. */
    public BatchResult runOnce() throws SQLException {
        return runOnce(false);
    }

    /**
     * Runs one batch, or with {@code probe} a batch of one event of one aggregate: what the relay tries while the broker
     * looks down, to learn as soon as it is back without sending it a whole batch.
     */
    public BatchResult runOnce(boolean probe) throws SQLException {
        long started = System.nanoTime();
        long claimedAt = config.clock().millis();
        List<List<RelayClaims.ClaimedAggregate>> sent = new ArrayList<>(1);
        List<RelayClaims.ClaimedAggregate> claimed;
        claimGuard.readLock().lock();
        try {
            claimed = claims.claim(
                    config.owner(),
                    probe ? 1 : config.batchAggregates(),
                    probe ? 1 : config.maxPerAggregate(),
                    config.lease().toMillis(),
                    leased -> {
                        leased.forEach(aggregate -> inFlight.add(key(aggregate)));
                        sent.add(leased);
                    });
        } catch (SQLException | RuntimeException e) {
            if (!sent.isEmpty() && !sent.getFirst().isEmpty()) { // the commit failed: it may have been applied
                sent.getFirst().forEach(aggregate -> inFlight.remove(key(aggregate)));
                unfinished.add(new UnfinishedClaim(sent.getFirst(), claimedAt, false));
            }
            throw e;
        } finally {
            claimGuard.readLock().unlock();
        }
        try {
            return runClaimed(claimed, claimedAt, started);
        } finally {
            claimed.forEach(aggregate -> inFlight.remove(key(aggregate)));
        }
    }

    /**
     * Whether a batch's outcome write failed because the database could not be reached or answer (an infrastructure
     * failure, or an SQLException without an SQLSTATE, as a pool's "Connection is closed"), not because it refused the
     * statements (SQLSTATE classes 22 data, 23 integrity, 42 syntax or a missing table, 44).
     */
    private boolean connectionLost(Throwable failure) {
        if (classifier.classify(failure) == ErrorCategory.INFRASTRUCTURE) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                return state == null
                        || !(state.startsWith("22")
                                || state.startsWith("23")
                                || state.startsWith("42")
                                || state.startsWith("44"));
            }
        }
        return false;
    }

    private static String key(RelayClaims.ClaimedAggregate aggregate) {
        return RelayTransactions.aggregateKey(aggregate.type(), aggregate.id());
    }

    private BatchResult runClaimed(List<RelayClaims.ClaimedAggregate> claimed, long claimedAt, long started)
            throws SQLException {
        if (claimed.isEmpty()) {
            return new BatchResult(0, 0, false);
        }
        int events = claimed.stream().mapToInt(each -> each.events().size()).sum();
        List<Lane> lanes = claimed.stream().map(Lane::new).toList();
        boolean outage = publishInWaves(lanes);
        List<AggregateOutcome> outcomes = lanes.stream().map(Lane::outcome).toList();
        int changed;
        try {
            changed = completion.complete(config.owner(), outcomes);
        } catch (SQLException | RuntimeException e) {
            rescueDeadLetters(outcomes, e);
            claimed.forEach(aggregate -> inFlight.remove(key(aggregate))); // before a give-back can look
            if (connectionLost(e)) {
                // otherwise (the database refused the statements themselves) the lease runs out and the attempt stays
                // counted
                unfinished.add(new UnfinishedClaim(claimed, claimedAt, true));
            }
            throw e;
        }
        remember(claimed);
        for (AggregateOutcome outcome : outcomes) {
            outcome.dead().forEach(dead -> meters.dead(dead.reason().name()));
        }
        meters.batch.record(Duration.ofNanos(System.nanoTime() - started));
        return new BatchResult(events, changed, outage);
    }

    /** Keeps a completed batch's aggregates for {@link #giveBackCompleted}, dropping the oldest past the bound. */
    private void remember(List<RelayClaims.ClaimedAggregate> claimed) {
        Completed batch = new Completed(claimed, config.clock().millis());
        synchronized (completed) {
            completed.addLast(batch);
            if (completed.size() > RECENT_BATCHES) {
                completed.pollFirst();
            }
        }
    }

    /**
     * Gives back the leases of claims whose outcomes could not be written or whose commit failed, so their aggregates
     * are claimed at once now that the database answers (their events are published again: at least once), instead of
     * after the lease. Only this relay's leases on aggregates that none of its running batches holds, while none of
     * its claims is under way ({@link #claimGuard}): another relay's lease, or a later claim of this one, is never
     * cleared. Claims older than half a lease on the relay's clock are dropped: their leases run out by themselves.
     * Call before each batch; throws, keeping them, if the database still fails.
     */
    public void giveBackUnfinished() throws SQLException {
        if (unfinished.isEmpty() && !completedInDoubt) {
            return;
        }
        claimGuard.writeLock().lock();
        try {
            giveBack();
            if (completedInDoubt) {
                giveBackCompleted();
            }
        } finally {
            claimGuard.writeLock().unlock();
        }
    }

    /**
     * A batch of this relay failed: if its connection was lost ({@link #connectionLost}), the next {@link
     * #giveBackUnfinished} also gives back leases a lost outcome write may have left ({@link #giveBackCompleted}).
     */
    public void batchFailed(Throwable failure) {
        if (connectionLost(failure)) {
            completedInDoubt = true;
        }
    }

    /** The database answers again after this relay's LISTEN connection was lost: as {@link #batchFailed}. */
    public void reconnected() {
        completedInDoubt = true;
    }

    /**
     * Gives back this relay's leases on the aggregates of the batches it completed less than half a lease ago on its
     * clock, where none of its running batches holds them (under {@link #claimGuard}'s write lock, so no claim of this
     * relay is under way): after a lost connection such a lease can only be one whose outcome write was acknowledged
     * and then lost with the server. Where the outcome did reach the server there is no lease of this relay left to
     * give back. Their events are published again (at least once); their attempts stay counted (the publish happened).
     * Throws, keeping the batches due, if the database still fails.
     */
    private void giveBackCompleted() throws SQLException {
        completedInDoubt = false;
        long now = config.clock().millis();
        Map<String, RelayClaims.ClaimedAggregate> recent = new LinkedHashMap<>();
        List<Completed> taken = new ArrayList<>();
        synchronized (completed) {
            for (Completed batch; (batch = completed.pollFirst()) != null; ) {
                if (now - batch.atMillis() < config.lease().toMillis() / 2) {
                    taken.add(batch);
                    batch.aggregates().forEach(aggregate -> recent.put(key(aggregate), aggregate));
                }
            }
        }
        recent.keySet().removeIf(inFlight::contains); // claimed again by a running batch of this relay: its lease now
        if (recent.isEmpty()) {
            return;
        }
        int released;
        try {
            released = transactions.run(connection -> released(releaseLeases(connection, recent.values())));
        } catch (SQLException | RuntimeException e) {
            synchronized (completed) {
                for (int i = taken.size() - 1; i >= 0; i--) {
                    completed.addFirst(taken.get(i));
                }
            }
            completedInDoubt = true;
            throw e;
        }
        if (released > 0) {
            log.info(
                    "Outbox relay {} gave back {} lease(s) its completed batches still held on the database after a lost"
                            + " connection (their outcome was acknowledged, then lost with the server); their events"
                            + " are published again (at least once)",
                    config.owner(),
                    released);
        }
    }

    /** Clears this relay's lease on each of {@code aggregates}, in one batch; the rows each update changed. */
    private int[] releaseLeases(Connection connection, Collection<RelayClaims.ClaimedAggregate> aggregates)
            throws SQLException {
        try (PreparedStatement release = connection.prepareStatement(giveBackLease)) {
            for (RelayClaims.ClaimedAggregate aggregate : aggregates) {
                release.setString(1, aggregate.type());
                release.setString(2, aggregate.id());
                release.setString(3, config.owner());
                release.addBatch();
            }
            return release.executeBatch();
        }
    }

    /** Rows a batch of single-row updates changed ({@link java.sql.Statement#SUCCESS_NO_INFO} counted as one). */
    private static int released(int[] counts) {
        int rows = 0;
        for (int count : counts) {
            rows += count == java.sql.Statement.SUCCESS_NO_INFO ? 1 : Math.max(0, count);
        }
        return rows;
    }

    private void giveBack() throws SQLException {
        List<UnfinishedClaim> taken = new ArrayList<>();
        for (UnfinishedClaim claim; (claim = unfinished.poll()) != null; ) {
            if (config.clock().millis() - claim.claimedAtMillis()
                    < config.lease().toMillis() / 2) {
                taken.add(claim);
            }
        }
        if (taken.isEmpty()) {
            return;
        }
        try {
            transactions.run(connection -> {
                List<RelayClaims.ClaimedAggregate> aggregates = new ArrayList<>();
                List<List<Long>> undoIfReleased = new ArrayList<>();
                for (UnfinishedClaim claim : taken) {
                    for (RelayClaims.ClaimedAggregate aggregate : claim.aggregates()) {
                        if (inFlight.contains(key(aggregate))) {
                            continue; // claimed again by a running batch of this relay: its lease now
                        }
                        aggregates.add(aggregate);
                        undoIfReleased.add(
                                claim.undoAttempts()
                                        ? aggregate.events().stream()
                                                .map(ClaimedEvent::id)
                                                .toList()
                                        : List.of());
                    }
                }
                int[] counts = releaseLeases(connection, aggregates);
                // an attempt is taken back only where this claim's lease was still there to give back (not given
                // back already, so never from a later claim's count)
                List<Long> undo = new ArrayList<>();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] != 0) {
                        undo.addAll(undoIfReleased.get(i));
                    }
                }
                RelayTransactions.updateIds(connection, undoAttempts, undo);
                return counts.length;
            });
        } catch (SQLException | RuntimeException e) {
            unfinished.addAll(taken);
            throw e;
        }
    }

    /** Returns true if the broker looked down (every publish of the first wave failed as infrastructure). */
    private boolean publishInWaves(List<Lane> lanes) {
        boolean anyPublishAttempted = false;
        while (true) {
            List<ClaimedEvent> wave = new ArrayList<>();
            List<Lane> waveLanes = new ArrayList<>();
            for (Lane lane : lanes) {
                ClaimedEvent next = lane.next();
                if (next == null) {
                    continue;
                }
                if (next.attempts() > config.maxAttempts() && !lane.firstAlone) {
                    lane.dead(next, DeadLetterReason.MAX_ATTEMPTS, null); // claimed that often without an outcome
                } else if (!integrity.matches(
                        next.stored().hashedContent(),
                        next.stored().keyVersion(),
                        next.stored().contentHash())) {
                    integrityViolation(lane, next);
                } else {
                    wave.add(next);
                    waveLanes.add(lane);
                }
            }
            if (wave.isEmpty()) {
                if (lanes.stream().allMatch(Lane::finished)) {
                    return false;
                }
                continue; // dead letters advanced some lanes without publishing; go on with them
            }
            List<PublishResult> results = publish(wave);
            if (!anyPublishAttempted && isOutage(results)) {
                for (int i = 0; i < wave.size(); i++) {
                    waveLanes.get(i).giveBack(wave.get(i)); // an outage does not use up anyone's attempts
                }
                lanes.forEach(Lane::stop);
                results.forEach(result -> meters.failed("outage"));
                return true;
            }
            anyPublishAttempted = true;
            for (int i = 0; i < wave.size(); i++) {
                record(waveLanes.get(i), wave.get(i), results.get(i));
            }
        }
    }

    private List<PublishResult> publish(List<ClaimedEvent> wave) {
        List<OutboxMessage> messages = wave.stream().map(ClaimedEvent::message).toList();
        RuntimeException failure;
        try {
            List<PublishResult> results = publisher.publish(messages);
            if (results != null && results.size() == wave.size()) {
                return results;
            }
            failure = new IllegalStateException("Publisher returned " + (results == null ? "null" : results.size())
                    + " results for " + wave.size() + " messages");
        } catch (RuntimeException e) {
            failure = e;
        }
        List<PublishResult> failed = new ArrayList<>(wave.size());
        for (int i = 0; i < wave.size(); i++) {
            failed.add(PublishResult.failed(failure));
        }
        return failed;
    }

    private boolean isOutage(List<PublishResult> results) {
        return results.stream()
                .allMatch(result -> result instanceof PublishResult.Failed failed
                        && switch (failed.kind()) {
                            case UNAVAILABLE -> true;
                            case RETRY -> false;
                            case CLASSIFY -> classifier.classify(failed.cause()) == ErrorCategory.INFRASTRUCTURE;
                        });
    }

    private void record(Lane lane, ClaimedEvent event, PublishResult result) {
        if (result instanceof PublishResult.Rejected rejected) {
            log.warn(
                    "Outbox event {} ({} of {} {}) was refused by the broker ({}): dead-lettered",
                    event.eventId(),
                    event.stored().eventType(),
                    event.aggregateType(),
                    event.aggregateId(),
                    rejected.reason());
            lane.dead(event, rejected.reason(), rejected.cause());
            return;
        }
        if (result instanceof PublishResult.Failed failed) {
            if (event.attempts() >= config.maxAttempts()) {
                lane.dead(event, DeadLetterReason.MAX_ATTEMPTS, failed.cause());
            } else {
                meters.failed("retry");
                lane.retry(event, failed.cause(), backoffMillis(event.attempts()));
            }
            return;
        }
        lane.published(event);
        meters.published.increment();
        meters.latency.record(
                Duration.between(event.stored().createdAt(), Instant.now()).abs());
    }

    private void integrityViolation(Lane lane, ClaimedEvent event) {
        lane.dead(event, DeadLetterReason.INTEGRITY_VIOLATION, null);
        log.error(
                "Outbox event {} ({} of {} {}) failed its integrity check and was not published",
                event.eventId(),
                event.stored().eventType(),
                event.aggregateType(),
                event.aggregateId());
        alerts.send(Alert.builder(Severity.CRITICAL, "Outbox event failed its integrity check")
                .detail("Event " + event.eventId() + " (" + event.stored().eventType() + " of " + event.aggregateType()
                        + " "
                        + event.aggregateId() + " #" + event.stored().aggregateSeq()
                        + ") no longer matches the hash taken at"
                        + " append: its stored bytes were corrupted or tampered with. It was not published; it is in"
                        + " the dead-letter table as INTEGRITY_VIOLATION.")
                .label("module", "outbox")
                .fingerprint("outbox-integrity|" + event.eventId())
                .build());
    }

    /** Full-jitter exponential backoff: a random delay up to {@code base * 2^(attempt-1)}, capped. */
    long backoffMillis(int attempt) {
        long cap = config.backoffCap().toMillis();
        long exponential = config.backoffBase().toMillis() << Math.min(30, Math.max(0, attempt - 1));
        long ceiling = Math.max(1, Math.min(cap, exponential));
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    private void rescueDeadLetters(List<AggregateOutcome> outcomes, Exception cause) {
        for (AggregateOutcome outcome : outcomes) {
            for (DeadEvent dead : outcome.dead()) {
                try {
                    deadLetterFile.append(DeadLetterRow.of(dead));
                } catch (IOException e) {
                    log.error(
                            "Outbox event {} could not be written to the dead-letter file either; it stays"
                                    + " pending in the outbox and will be dead-lettered again",
                            dead.event().eventId(),
                            e);
                }
                alerts.send(Alert.builder(Severity.CRITICAL, "Outbox dead letter written to the fallback file")
                        .detail("The dead-letter table could not be written ("
                                + cause.getClass().getSimpleName()
                                + "); event " + dead.event().eventId() + " (" + dead.reason() + ") was appended to "
                                + deadLetterFile.path() + ". Import it with DeadLetters.importFile once the"
                                + " database is back.")
                        .label("module", "outbox")
                        .fingerprint("outbox-dlq-file|" + dead.event().eventId())
                        .build());
            }
        }
    }

    /**
     * One aggregate's claimed events and what became of them, written only by the batch's thread while it publishes;
     * {@link #outcome()} hands the result over as an immutable record.
     */
    private final class Lane {
        private final String type;
        private final String id;
        private final List<ClaimedEvent> events;
        private final boolean alone;
        /**
         * Claimed alone for the first time: its earlier crashes were all in batches with other events, so nothing yet
         * says it is the one that kills the relay; it is tried once even if those crashes spent its attempts.
         */
        private final boolean firstAlone;

        private final List<ClaimedEvent> published = new ArrayList<>();
        private final List<DeadEvent> dead = new ArrayList<>();
        private final List<ClaimedEvent> notAttempted = new ArrayList<>();
        private AggregateOutcome.@Nullable Retry retry;
        private @Nullable String blockedBy;
        private long attemptedTo;
        private int position;
        private boolean stopped;

        Lane(RelayClaims.ClaimedAggregate claimed) {
            this.type = claimed.type();
            this.id = claimed.id();
            this.events = claimed.events();
            this.alone = claimed.alone();
            this.firstAlone = alone && events.getFirst().unrecordedClaims() == RelayClaims.ALONE_AFTER;
            this.attemptedTo = alone ? -1 : events.getFirst().stored().aggregateSeq() - 1;
        }

        AggregateOutcome outcome() {
            return new AggregateOutcome(type, id, published, dead, notAttempted, retry, blockedBy, attemptedTo);
        }

        private void attempted(ClaimedEvent event) {
            if (!alone) {
                attemptedTo = Math.max(attemptedTo, event.stored().aggregateSeq());
            }
        }

        @Nullable
        ClaimedEvent next() {
            return stopped || position >= events.size() ? null : events.get(position++);
        }

        boolean finished() {
            return stopped || position >= events.size();
        }

        void published(ClaimedEvent event) {
            attempted(event);
            published.add(event);
        }

        void dead(ClaimedEvent event, DeadLetterReason reason, @Nullable Throwable error) {
            String history = error == null
                    ? (event.attemptLog() == null ? "[]" : event.attemptLog())
                    : AttemptLog.append(
                            event.attemptLog(), event.attempts(), config.clock().instant(), error);
            attempted(event);
            dead.add(new DeadEvent(event, reason, error, history));
            if (config.headOfLine() == HeadOfLinePolicy.BLOCK) {
                blockedBy = event.eventId();
                stop();
            }
        }

        void retry(ClaimedEvent event, Throwable error, long delayMillis) {
            attempted(event);
            retry = new AggregateOutcome.Retry(event, error, delayMillis);
            stop();
        }

        void giveBack(ClaimedEvent event) {
            notAttempted.add(event);
        }

        /** Later events of this aggregate are not attempted in this batch; their claimed attempt is given back. */
        void stop() {
            if (!stopped) {
                stopped = true;
                for (int i = position; i < events.size(); i++) {
                    notAttempted.add(events.get(i));
                }
                position = events.size();
            }
        }
    }
}
