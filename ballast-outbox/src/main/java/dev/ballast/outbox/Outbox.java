package dev.ballast.outbox;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.sql.NetworkTimeoutDataSource;
import dev.ballast.outbox.internal.Appender;
import dev.ballast.outbox.internal.DeadLetterStore;
import dev.ballast.outbox.internal.OutboxMeters;
import dev.ballast.outbox.internal.OutboxRuntime;
import dev.ballast.outbox.internal.OutboxTables;
import dev.ballast.outbox.internal.RequestLedger;
import dev.ballast.outbox.internal.StatusQuery;
import dev.ballast.outbox.internal.Wakeups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The transactional outbox: {@link #append} writes an event in the caller's transaction, so it is stored if and only
 * if the business change commits; a {@link OutboxRelay} publishes stored events afterwards; {@link #afterCommit} after
 * the commit makes that immediate. Build with {@link
 * #builder}. Thread-safe.
 *
 * <p>One outbox per database serves the application (the Spring starter builds it from {@code ballast.outbox.*}),
 * and a relay publishes what it stores:
 *
 * {@snippet class="dev.ballast.outbox.snippets.OutboxSnippets" region="create"}
 *
 * {@snippet class="dev.ballast.outbox.snippets.OutboxSnippets" region="relay"}
 *
 * <p>The event is written in the business transaction, so it exists if and only if the business change commits:
 *
 * {@snippet class="dev.ballast.outbox.snippets.OutboxSnippets" region="append"}
 */
public final class Outbox {

    /** See {@link Builder#networkTimeout}. */
    public static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofSeconds(30);

    /** What this outbox shares with the relays it builds. */
    private final OutboxRuntime runtime;

    private final Appender appender;
    private final DeadLetters deadLetters;
    private final RequestLedger requests;

    private Outbox(Builder builder, OutboxTables tables) {
        DataSource dataSource = new NetworkTimeoutDataSource(builder.dataSource, builder.networkTimeout);
        this.runtime = new OutboxRuntime(
                dataSource,
                tables,
                builder.integrity,
                new OutboxMeters(builder.registry),
                builder.alerts,
                new Wakeups(dataSource, tables),
                builder.networkTimeout);
        this.appender = new Appender(tables, builder.integrity, builder.maxPayloadBytes);
        this.deadLetters = new DeadLetters(new DeadLetterStore(dataSource, tables, builder.integrity));
        this.requests = new RequestLedger(tables);
    }

    /** A builder for an outbox on {@code dataSource}. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * The tables an outbox with table prefix {@code prefix} uses, as its shipped schema scripts create them (the
     * events, the aggregates, the dead letters, the requests of idempotent commands, the relays' shared pause): for a
     * start-up check of your own, or a test that drops them.
     *
     * @throws IllegalArgumentException if the prefix is not letters, digits and '_' (at most 31, not starting with a
     *     digit)
     */
    public static List<String> tableNames(String prefix) {
        return OutboxTables.names(prefix);
    }

    /**
     * Appends {@code event} in the transaction of {@code connection} (auto-commit must be off). The same request id
     * with the same content returns the first event's id and writes nothing, also when two transactions race (the
     * second waits for the first to commit).
     *
     * @throws IdempotencyConflictException if the request id was used with different content; nothing is written
     * @throws IllegalArgumentException if the payload exceeds the configured maximum; nothing is written
     * @throws IllegalStateException if the connection is in auto-commit mode
     */
    public Appended append(Connection connection, OutboxEvent event) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(event, "event");
        Appended appended = appender.append(connection, event);
        if (!appended.duplicate()) {
            runtime.meters().appended();
        }
        return appended;
    }

    /**
     * Runs the business writes of a request exactly once per {@code requestId}, in the transaction of {@code
     * connection}: the request id is claimed first (a row in {@code <prefix>outbox_request}), then {@code command}
     * runs and its outcome is stored with the claim. A repeat of the request (same id, same {@code request} bytes)
     * does not run the command and gets the stored outcome back ({@link CommandOutcome#repeated()}); a concurrent
     * repeat, in this or another instance, waits for the first transaction and then does the same, or runs the command
     * itself if the first rolled back. Append the request's events inside the command. If the command throws, roll
     * the transaction back: the claim goes with it, so a retry runs the command again.
     *
     * @param requestId the idempotency key, 1 to 200 characters without control characters
     * @param request what makes two requests "the same", e.g. the canonical form of the validated request body
     * @throws IdempotencyConflictException if the request id was executed before with other {@code request} bytes;
     *     nothing is written
     * @throws IllegalStateException if the connection is in auto-commit mode
     */
    public CommandOutcome executeOnce(
            Connection connection, String requestId, byte[] request, IdempotentCommand command) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(command, "command");
        OutboxEvent.requireText("requestId", requestId, 200);
        return requests.executeOnce(connection, requestId, request, command);
    }

    /**
     * Tells relays that a transaction with appended events has committed, so they publish now rather than at their
     * next poll: relays of this outbox in this JVM at once, relays in other JVMs through PostgreSQL {@code NOTIFY}
     * (merged, sent outside your transaction). Optional and cheap; the Spring starter calls it after every commit.
     */
    public void afterCommit() {
        runtime.wakeups().committed();
    }

    /** A builder for a relay publishing this outbox's events through {@code publisher}. */
    public OutboxRelay.Builder relay(OutboxPublisher publisher) {
        return new OutboxRelay.Builder(runtime, Objects.requireNonNull(publisher, "publisher"));
    }

    /** The dead-letter table. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * Pending and dead events, the oldest pending event's age, unresolved dead letters and the relays holding claims:
     * a few aggregate queries, for health checks and operators, each reading through an index only the backlog's rows
     * (see {@link OutboxStatus}).
     */
    public OutboxStatus status() throws SQLException {
        return new StatusQuery(runtime.dataSource(), runtime.tables(), InstantSource.system()).read();
    }

    /**
     * Outbox settings; setters check their value at once. Defaults: prefix {@code ballast_}, schema not created, network timeout 30 s, plain
     * SHA-256 integrity, payloads up to 1 MiB, no metrics, alerts to the log. Not thread-safe.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private String tablePrefix = "ballast_";
        private boolean createSchema;
        private Integrity integrity = Integrity.sha256();
        private int maxPayloadBytes = 1 << 20;
        private MeterRegistry registry = new CompositeMeterRegistry();
        private AlertSink alerts = AlertSink.logging();
        private Duration networkTimeout = DEFAULT_NETWORK_TIMEOUT;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** Prefix of the tables {@code <prefix>outbox}, {@code <prefix>outbox_aggregate}, {@code <prefix>outbox_dlq}. */
        public Builder tablePrefix(String prefix) {
            OutboxTables.validatePrefix(prefix);
            this.tablePrefix = prefix;
            return this;
        }

        /** Whether {@link #build()} runs the shipped schema script (idempotent) with this prefix. */
        public Builder createSchema(boolean create) {
            this.createSchema = create;
            return this;
        }

        /** How content hashes are computed (default plain SHA-256). */
        public Builder integrity(Integrity mode) {
            this.integrity = Objects.requireNonNull(mode, "integrity");
            return this;
        }

        /** Largest payload accepted by {@link #append}, 1 byte to 64 MiB. */
        public Builder maxPayloadBytes(int bytes) {
            if (bytes < 1 || bytes > 64 << 20) {
                throw new IllegalArgumentException("Outbox maxPayloadBytes must be 1 to 67108864, was " + bytes);
            }
            this.maxPayloadBytes = bytes;
            return this;
        }

        /** Where the {@code ballast.outbox.*} meters go. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.registry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /** Where CRITICAL (integrity, dead-letter file) and WARNING (broker outage) alerts go. */
        public Builder alerts(AlertSink sink) {
            this.alerts = Objects.requireNonNull(sink, "alerts");
            return this;
        }

        /**
         * How long the outbox's own database work (relays, housekeeping, dead letters, status) waits for an answer on
         * a connection before the driver gives up on it and closes it ({@link Connection#setNetworkTimeout}); zero
         * waits as the driver does (pgjdbc and MariaDB Connector/J: without end, unless {@code socketTimeout} is in the
         * URL). Default 30 s: a relay whose database froze (a stalled primary, a network cut that drops packets) then
         * gives up on it within that time and reaches a promoted standby through a new connection, instead of waiting
         * forever. On PostgreSQL each relay transaction also sets {@code idle_in_transaction_session_timeout} to it,
         * so a relay cut off in a transaction does not leave the row locks of its claim behind on a server that lives
         * on. Keep it above the outbox's slowest statement (claims and purges take milliseconds). Appends run on the
         * caller's connection and are not affected. Zero, or 1 s to 1 h.
         */
        public Builder networkTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "networkTimeout");
            if (!timeout.isZero()
                    && (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0)) {
                throw new IllegalArgumentException("Outbox networkTimeout must be zero or 1s to 1h, was " + timeout);
            }
            this.networkTimeout = timeout;
            return this;
        }

        /**
         * Builds the outbox; with {@link #createSchema} it creates the tables first.
         *
         * @throws IllegalStateException if the database is unsupported or unreachable
         */
        public Outbox build() {
            try (Connection connection = dataSource.getConnection()) {
                OutboxTables tables = OutboxTables.of(connection, tablePrefix);
                if (createSchema) {
                    tables.createSchema(connection);
                }
                return new Outbox(this, tables);
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "Cannot set up the outbox tables with prefix '" + tablePrefix + "': " + e.getMessage(), e);
            }
        }
    }
}
