package dev.ballast.outbox.inbox;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.internal.InboxDeadLetters;
import dev.ballast.outbox.internal.InboxReports;
import dev.ballast.outbox.internal.InboxStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Makes a consumer apply each outbox event once although the relay and the broker deliver at least once. For every
 * received message, in one transaction on the consumer's database:
 *
 * <ol>
 *   <li>the Ballast headers are read ({@link OutboxHeaders}); a message without them, or with unreadable ones, goes to
 *       the consumer-side dead letters ({@code <prefix>inbox_dlq}) as {@code MALFORMED};
 *   <li>the content hash is verified; a mismatch goes to the dead letters as {@code INTEGRITY_VIOLATION} with a
 *       CRITICAL alert, and the handler never sees it;
 *   <li>the event is recorded for this consumer (one row in {@code <prefix>inbox}: its id, aggregate and sequence
 *       number); if it was recorded before, the message is a repeat: skipped and counted;
 *   <li>the highest sequence number among the aggregate's events recorded before is read (an index read, no second
 *       row written); a gap (an event arriving before an earlier one) is reported or held, per {@link
 *       SequenceGapPolicy}. The earlier events are those committed when this one is recorded: with two consumers
 *       taking one aggregate's events at once (competing consumers on one queue), an event whose predecessor is being
 *       handled at that moment counts as a gap (a warning, or under HOLD a refusal that its redelivery gets past);
 *       with Kafka one aggregate stays in one partition and one consumer;
 *   <li>the handler runs on the same connection; then the transaction commits.
 * </ol>
 *
 * If the handler throws, nothing is recorded and the exception propagates, so the broker's redelivery is handled
 * again. A message its handler keeps failing on (a poison message: the failure is not an outage) is handed to {@link
 * #giveUp} by the consumer's retry policy once it has tried enough, so it neither blocks the messages behind it nor
 * disappears. Rows older than the {@linkplain Builder#retention retention} are deleted by {@link #purgeExpired()}.
 * Metrics: {@code ballast.inbox.received{consumer,result=processed|duplicate|dead}}, {@code
 * ballast.inbox.gaps{consumer}}, {@code ballast.inbox.purged{consumer}}. Thread-safe.
 */
public final class Inbox {

    private static final int PURGE_BATCH = 500;

    /** What became of a received message. */
    public enum Result {
        /** The handler applied it and it is recorded. */
        PROCESSED,
        /** It was recorded before: skipped. */
        DUPLICATE,
        /**
         * It failed its integrity check or was unreadable (handler not run), or its handler kept failing ({@link
         * #giveUp}): in the consumer-side dead letters.
         */
        DEAD_LETTERED
    }

    private final DataSource dataSource;
    private final InboxStore store;
    private final String consumer;
    private final Integrity integrity;
    private final Clock clock;
    private final SequenceGapPolicy gapPolicy;
    private final Duration holdFor;
    private final Duration retention;
    private final InboxReports reports;
    private final InboxDeadLetters deadLetters;
    private final Map<String, Instant> held = new ConcurrentHashMap<>();

    private Inbox(Builder builder, InboxStore store) {
        this.dataSource = builder.dataSource;
        this.store = store;
        this.consumer = builder.consumer;
        this.integrity = builder.integrity;
        this.clock = builder.clock;
        this.gapPolicy = builder.gapPolicy;
        this.holdFor = builder.holdFor;
        this.retention = builder.retention;
        this.reports = new InboxReports(builder.registry, consumer, builder.alerts);
        this.deadLetters = new InboxDeadLetters(store, consumer, builder.alerts, clock);
    }

    /** A builder; {@code consumer} names this consumer (several consumers may share one database). */
    public static Builder builder(DataSource dataSource, String consumer) {
        return new Builder(dataSource, consumer);
    }

    /**
     * The tables an inbox with table prefix {@code prefix} uses, as its shipped schema scripts create them (the events
     * consumed, the aggregates' table of the first script, no longer written since the second, and the dead letters):
     * for a start-up check of your own, or a test that drops them.
     *
     * @throws IllegalArgumentException if the prefix is not letters, digits and '_' (at most 31, not starting with a
     *     digit)
     */
    public static List<String> tableNames(String prefix) {
        return InboxStore.tableNames(prefix);
    }

    /**
     * Handles a received message in a transaction of its own on the inbox's data source.
     *
     * @param header looks up a message header by name (null when absent), e.g. from a Kafka record or an AMQP message
     * @param payload the message body
     * @throws SequenceGapException if the policy holds the message (nothing written)
     * @throws Exception what the handler threw (nothing written)
     */
    public Result receive(Function<String, @Nullable String> header, byte[] payload, InboxHandler handler)
            throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                Result result = receive(connection, header, payload, handler);
                connection.commit();
                count(result);
                return result;
            } catch (Exception | Error e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
    }

    /**
     * Handles a received message on the caller's transaction ({@code connection}, not in auto-commit; e.g. a Spring
     * {@code @Transactional} listener's connection). The caller commits. Metrics count it as soon as this returns.
     */
    public Result receive(
            Connection connection, Function<String, @Nullable String> header, byte[] payload, InboxHandler handler)
            throws Exception {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("Inbox.receive(connection, ...) must run inside a transaction");
        }
        OutboxMessage message;
        try {
            message = OutboxHeaders.read(header, payload);
        } catch (OutboxHeaders.MalformedMessageException e) {
            deadLetters.malformed(connection, header, payload, e.getMessage());
            return Result.DEAD_LETTERED;
        }
        if (!integrity.verifies(message)) {
            deadLetters.integrityViolation(connection, message, header, payload);
            return Result.DEAD_LETTERED;
        }
        Instant now = clock.instant();
        long last = store.recordAndReadPrevious(
                connection,
                consumer,
                message.eventId(),
                message.aggregateType(),
                message.aggregateId(),
                message.aggregateSequence(),
                message.eventType(),
                now);
        if (last < 0) {
            return Result.DUPLICATE;
        }
        if (message.aggregateSequence() > last + 1) {
            gap(message, last + 1, now);
        }
        handler.handle(connection, message);
        held.remove(message.eventId());
        return Result.PROCESSED;
    }

    /**
     * Dead-letters a message whose handler failed on every attempt the consumer allows (a Spring Kafka error handler's
     * or a Spring AMQP retry's recoverer calls this): it goes to the consumer-side dead letters as {@code
     * HANDLER_FAILED} with its headers, its body and the failure (class and message), is counted as dead, and raises a
     * CRITICAL alert, in a transaction of its own. The event is not recorded as received, so a later redelivery is
     * handled again. Call it only for failures that are not outages (see {@link dev.ballast.core.ExceptionClassifier}):
     * a message should wait out a database or network outage, not be dead-lettered by it.
     *
     * @throws SQLException if the dead letter cannot be written (let the consumer retry the message)
     */
    public Result giveUp(Function<String, @Nullable String> header, byte[] payload, Throwable failure)
            throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                deadLetters.handlerFailed(connection, header, payload, failure);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
        count(Result.DEAD_LETTERED);
        deadLetters.reportHandlerFailed(header, failure);
        return Result.DEAD_LETTERED;
    }

    /** Counts a result of {@link #receive(Connection, Function, byte[], InboxHandler)} once the caller committed. */
    public void count(Result result) {
        switch (result) {
            case PROCESSED -> reports.processed();
            case DUPLICATE -> reports.duplicate();
            case DEAD_LETTERED -> reports.dead();
        }
    }

    /**
     * Deletes this consumer's inbox rows received before the retention, in batches of 500 (each its own statement, in
     * auto-commit), and returns how many; counted in {@code ballast.inbox.purged{consumer}}. Every row past the
     * retention goes, each aggregate's newest too: so an aggregate with a single event (one per order, say) leaves no
     * row behind, and the table holds about one retention's worth of events. Within the retention nothing changes: a
     * repeat is a duplicate, and an event is checked against the highest sequence number its aggregate's recorded
     * events carry. An aggregate idle for longer than the retention has no row left, so its next event is checked as
     * the first this consumer sees of it: with a sequence number above 1 it is reported as a gap (under {@link
     * SequenceGapPolicy#HOLD} held for the hold time first), never taken for a repeat. Keep the retention longer than
     * any redelivery can take (broker retention, consumer lag), or a very late repeat is handled again, and longer
     * than aggregates usually stay idle if such a gap report is unwelcome. With Spring Boot the starter runs this
     * every {@code ballast.outbox.inbox.purge-interval}; else see {@link InboxPurgeSchedule}.
     */
    public int purgeExpired() throws SQLException {
        Instant cutoff = clock.instant().minus(retention);
        int total = 0;
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(true);
            try {
                int deleted;
                do {
                    deleted = store.purge(connection, consumer, cutoff, PURGE_BATCH);
                    total += deleted;
                    reports.purged(deleted);
                } while (deleted == PURGE_BATCH);
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
        return total;
    }

    /** The consumer name rows are recorded under. */
    public String consumer() {
        return consumer;
    }

    private void gap(OutboxMessage message, long expected, Instant now) {
        String aggregate = message.aggregateType() + " " + message.aggregateId();
        if (gapPolicy == SequenceGapPolicy.HOLD) {
            Instant since = held.computeIfAbsent(message.eventId(), id -> now);
            if (Duration.between(since, now).compareTo(holdFor) < 0) {
                throw new SequenceGapException(aggregate, expected, message.aggregateSequence());
            }
        }
        reports.gap(message, aggregate, expected);
    }

    /** Builds an {@link Inbox}. */
    public static final class Builder {
        private final DataSource dataSource;
        private final String consumer;
        private String tablePrefix = "ballast_";
        private boolean createSchema;
        private Integrity integrity = Integrity.sha256();
        private AlertSink alerts = AlertSink.logging();
        private MeterRegistry registry = new SimpleMeterRegistry();
        private Clock clock = Clock.systemUTC();
        private SequenceGapPolicy gapPolicy = SequenceGapPolicy.PROCESS_AND_WARN;
        private Duration holdFor = Duration.ofSeconds(30);
        private Duration retention = Duration.ofDays(14);

        private Builder(DataSource dataSource, String consumer) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            if (consumer == null || consumer.isBlank() || consumer.length() > 100) {
                throw new IllegalArgumentException(
                        "Inbox consumer name must be 1 to 100 characters, was '" + consumer + "'");
            }
            this.consumer = consumer;
        }

        /** Table prefix (default {@code ballast_}); the tables are {@code <prefix>inbox}, {@code _aggregate}, {@code _dlq}. */
        public Builder tablePrefix(String prefix) {
            this.tablePrefix = prefix;
            return this;
        }

        /** Whether {@link #build()} runs the shipped schema script (idempotent). */
        public Builder createSchema(boolean create) {
            this.createSchema = create;
            return this;
        }

        /** How content hashes are verified: the producer's mode (SHA-256 by default; HMAC needs its keys). */
        public Builder integrity(Integrity mode) {
            this.integrity = Objects.requireNonNull(mode, "integrity");
            return this;
        }

        /** Where CRITICAL (integrity) and WARNING (gap) alerts go. */
        public Builder alerts(AlertSink sink) {
            this.alerts = Objects.requireNonNull(sink, "alerts");
            return this;
        }

        /** Where the counters are registered. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.registry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /** The clock of {@code received_at}, retention and gap holds (default UTC system clock). */
        public Builder clock(Clock time) {
            this.clock = Objects.requireNonNull(time, "clock");
            return this;
        }

        /** Gap handling (default {@link SequenceGapPolicy#PROCESS_AND_WARN}); {@code holdFor} applies to HOLD. */
        public Builder sequenceGaps(SequenceGapPolicy policy, Duration hold) {
            this.gapPolicy = Objects.requireNonNull(policy, "policy");
            if (hold.isNegative()) {
                throw new IllegalArgumentException("Inbox gap hold must not be negative, was " + hold);
            }
            this.holdFor = hold;
            return this;
        }

        /** How long inbox rows are kept (default 14 days); see {@link #purgeExpired()}. */
        public Builder retention(Duration keep) {
            if (keep.isNegative() || keep.isZero()) {
                throw new IllegalArgumentException("Inbox retention must be positive, was " + keep);
            }
            this.retention = keep;
            return this;
        }

        /** Builds the inbox; with {@link #createSchema} creates the tables first. */
        public Inbox build() {
            try (Connection connection = dataSource.getConnection()) {
                InboxStore store = InboxStore.of(connection, tablePrefix);
                if (createSchema) {
                    boolean autoCommit = connection.getAutoCommit();
                    connection.setAutoCommit(true);
                    store.createSchema(connection);
                    connection.setAutoCommit(autoCommit);
                }
                return new Inbox(this, store);
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "Could not set up the inbox on " + dataSource.getClass().getSimpleName(), e);
            }
        }
    }
}
