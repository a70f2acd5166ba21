package dev.ballast.outbox.inbox;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.internal.InboxStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a consumer apply each outbox event once although the relay and the broker deliver at least once. For every
 * received message, in one transaction on the consumer's database:
 *
 * <ol>
 *   <li>the Ballast headers are read ({@link OutboxHeaders}); a message without them, or with unreadable ones, goes to
 *       the consumer-side dead letters ({@code <prefix>inbox_dlq}) as {@code MALFORMED};
 *   <li>the content hash is verified; a mismatch goes to the dead letters as {@code INTEGRITY_VIOLATION} with a
 *       CRITICAL alert, and the handler never sees it;
 *   <li>the event id is recorded for this consumer ({@code <prefix>inbox}); if it was recorded before, the message is
 *       a repeat: skipped and counted;
 *   <li>the aggregate's highest sequence number is advanced; a gap (an event arriving before an earlier one) is
 *       reported or held, per {@link SequenceGapPolicy};
 *   <li>the handler runs on the same connection; then the transaction commits.
 * </ol>
 *
 * If the handler throws, nothing is recorded and the exception propagates, so the broker's redelivery is handled
 * again. A message its handler keeps failing on (a poison message: the failure is not an outage) is handed to {@link
 * #giveUp} by the consumer's retry policy once it has tried enough, so it neither blocks the messages behind it nor
 * disappears. Metrics: {@code ballast.inbox.received{consumer,result=processed|duplicate|dead}},
 * {@code ballast.inbox.gaps{consumer}}. Thread-safe.
 */
public final class Inbox {

    private static final Logger log = LoggerFactory.getLogger(Inbox.class);
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
    private final AlertSink alerts;
    private final Clock clock;
    private final SequenceGapPolicy gapPolicy;
    private final Duration holdFor;
    private final Duration retention;
    private final Counter processed;
    private final Counter duplicates;
    private final Counter dead;
    private final Counter gaps;
    private final Map<String, Instant> held = new ConcurrentHashMap<>();

    private Inbox(Builder builder, InboxStore store) {
        this.dataSource = builder.dataSource;
        this.store = store;
        this.consumer = builder.consumer;
        this.integrity = builder.integrity;
        this.alerts = builder.alerts;
        this.clock = builder.clock;
        this.gapPolicy = builder.gapPolicy;
        this.holdFor = builder.holdFor;
        this.retention = builder.retention;
        MeterRegistry registry = builder.registry;
        this.processed = counter(registry, "processed");
        this.duplicates = counter(registry, "duplicate");
        this.dead = counter(registry, "dead");
        this.gaps = Counter.builder("ballast.inbox.gaps")
                .description("Events that arrived before an earlier event of their aggregate")
                .tag("consumer", consumer)
                .register(registry);
    }

    private Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("ballast.inbox.received")
                .description("Messages received by the inbox, by outcome")
                .tag("consumer", consumer)
                .tag("result", result)
                .register(registry);
    }

    /** A builder; {@code consumer} names this consumer (several consumers may share one database). */
    public static Builder builder(DataSource dataSource, String consumer) {
        return new Builder(dataSource, consumer);
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
            deadLetter(
                    connection,
                    header.apply(OutboxHeaders.EVENT_ID),
                    DeadLetterReason.MALFORMED,
                    e.getMessage(),
                    header,
                    payload);
            log.error(
                    "Inbox {}: received a message without readable Ballast headers ({}); dead-lettered",
                    consumer,
                    e.getMessage());
            return Result.DEAD_LETTERED;
        }
        if (!integrity.verifies(message)) {
            integrityViolation(connection, message, header, payload);
            return Result.DEAD_LETTERED;
        }
        Instant now = clock.instant();
        long last = store.recordAndAdvance(
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
        String eventId = header.apply(OutboxHeaders.EVENT_ID);
        String what = header.apply(OutboxHeaders.EVENT_TYPE) + " of " + header.apply(OutboxHeaders.AGGREGATE_TYPE) + " "
                + header.apply(OutboxHeaders.AGGREGATE_ID);
        String cause = failure.getClass().getName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                deadLetter(connection, eventId, DeadLetterReason.HANDLER_FAILED, cause, header, payload);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
        count(Result.DEAD_LETTERED);
        log.error(
                "Inbox {}: gave up on event {} ({}) after its handler failed with {}; dead-lettered as HANDLER_FAILED",
                consumer,
                eventId,
                what,
                failure.getClass().getName());
        alerts.send(Alert.builder(Severity.CRITICAL, "Consumed event dead-lettered: its handler failed")
                .detail("Consumer " + consumer + " gave up on event " + eventId + " (" + what + ") after its handler"
                        + " failed on every attempt with " + failure.getClass().getSimpleName() + ". Its effect is"
                        + " not applied; it is in the inbox dead letters as HANDLER_FAILED with the failure.")
                .label("module", "inbox")
                .fingerprint("inbox-handler-failed|" + consumer + "|" + eventId)
                .build());
        return Result.DEAD_LETTERED;
    }

    /** Counts a result of {@link #receive(Connection, Function, byte[], InboxHandler)} once the caller committed. */
    public void count(Result result) {
        switch (result) {
            case PROCESSED -> processed.increment();
            case DUPLICATE -> duplicates.increment();
            case DEAD_LETTERED -> dead.increment();
        }
    }

    /**
     * Deletes inbox rows older than the retention, in batches of 500 (each its own statement); returns how many.
     * Keep the retention longer than any redelivery can take (broker retention, consumer lag), or a very late repeat
     * is handled again.
     */
    public int purgeExpired() throws SQLException {
        Instant cutoff = clock.instant().minus(retention);
        int total = 0;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            int deleted;
            do {
                deleted = store.purge(connection, cutoff, PURGE_BATCH);
                total += deleted;
            } while (deleted == PURGE_BATCH);
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
        gaps.increment();
        log.warn(
                "Inbox {}: event #{} of {} arrived before #{} (gap); handled",
                consumer,
                message.aggregateSequence(),
                aggregate,
                expected);
        alerts.send(Alert.builder(Severity.WARNING, "Inbox sequence gap")
                .detail("Consumer " + consumer + " received event #" + message.aggregateSequence() + " ("
                        + message.eventType() + ") of " + aggregate + " before #" + expected
                        + ". The earlier events may still arrive (they are handled then) or be lost upstream.")
                .label("module", "inbox")
                .fingerprint("inbox-gap|" + consumer + "|" + aggregate)
                .build());
    }

    private void integrityViolation(
            Connection connection, OutboxMessage message, Function<String, @Nullable String> header, byte[] payload)
            throws SQLException {
        deadLetter(
                connection,
                message.eventId(),
                DeadLetterReason.INTEGRITY_VIOLATION,
                "content hash mismatch (" + message.contentHashFormat() + ")",
                header,
                payload);
        log.error(
                "Inbox {}: event {} ({} of {} {}) failed its integrity check; dead-lettered, not handled",
                consumer,
                message.eventId(),
                message.eventType(),
                message.aggregateType(),
                message.aggregateId());
        alerts.send(Alert.builder(Severity.CRITICAL, "Consumed event failed its integrity check")
                .detail("Consumer " + consumer + " received event " + message.eventId() + " (" + message.eventType()
                        + " of " + message.aggregateType() + " " + message.aggregateId() + " #"
                        + message.aggregateSequence() + ") whose content does not match its hash: it was altered"
                        + " after it left the outbox. It was not handled; it is in the inbox dead letters as"
                        + " INTEGRITY_VIOLATION.")
                .label("module", "inbox")
                .fingerprint("inbox-integrity|" + consumer + "|" + message.eventId())
                .build());
    }

    private void deadLetter(
            Connection connection,
            @Nullable String eventId,
            DeadLetterReason reason,
            String detail,
            Function<String, @Nullable String> header,
            byte[] payload)
            throws SQLException {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : new String[] {
            OutboxHeaders.EVENT_ID,
            OutboxHeaders.EVENT_TYPE,
            OutboxHeaders.AGGREGATE_TYPE,
            OutboxHeaders.AGGREGATE_ID,
            OutboxHeaders.SEQUENCE,
            OutboxHeaders.REQUEST_ID,
            OutboxHeaders.OCCURRED_AT,
            OutboxHeaders.HEADERS,
            OutboxHeaders.CONTENT_HASH,
            OutboxHeaders.CONTENT_HASH_FORMAT,
            OutboxHeaders.TRACEPARENT
        }) {
            String value = header.apply(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        String id = eventId != null && eventId.length() <= 64 ? eventId : null;
        store.deadLetter(connection, consumer, id, reason.name(), detail, headers, payload, clock.instant());
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
