package dev.ballast.outbox.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's periodic chores: delete published rows past their retention and the request rows of idempotent commands
 * past theirs, in small batches (short transactions, no long locks), counted in {@code
 * ballast.outbox.purged{table=outbox|request}}; and refresh the pending, oldest-pending-age and dead-letter gauges.
 * Retention and ages are judged by the relay's clock. Thread-safe.
 */
public final class Housekeeping {

    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
    private static final int DELETE_BATCH = 500;
    private static final int MAX_BATCHES_PER_RUN = 40;

    private final DataSource dataSource;
    private final OutboxTables tables;
    private final Duration retention;
    private final Duration requestRetention;
    private final InstantSource clock;
    private final Counter purgedEvents;
    private final Counter purgedRequests;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestPendingSeconds = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final BatchFailures failures;

    public Housekeeping(
            DataSource dataSource,
            OutboxTables tables,
            Duration retention,
            Duration requestRetention,
            OutboxMeters meters,
            InstantSource clock) {
        this.dataSource = dataSource;
        this.tables = tables;
        this.retention = retention;
        this.requestRetention = requestRetention;
        this.clock = clock;
        this.purgedEvents = meters.purged("outbox");
        this.purgedRequests = meters.purged("request");
        this.failures = new BatchFailures(
                log, "Outbox housekeeping", clock, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(5));
        Gauge.builder("ballast.outbox.pending", pending, AtomicLong::get)
                .description("Events not yet published or dead-lettered")
                .register(meters.registry());
        Gauge.builder("ballast.outbox.oldest.pending.age", oldestPendingSeconds, AtomicLong::get)
                .description("Age in seconds of the oldest pending event")
                .baseUnit("seconds")
                .register(meters.registry());
        Gauge.builder("ballast.outbox.dlq.size", deadLetters, AtomicLong::get)
                .description("Unresolved dead letters")
                .register(meters.registry());
    }

    /**
     * One run of every chore; failures are retried on the next run and logged at WARN once, then every 5 minutes with
     * the count while they repeat.
     */
    public void run() {
        try {
            deletePublished();
            deleteExpiredRequests();
            refreshGauges();
            failures.succeeded();
        } catch (SQLException | RuntimeException e) {
            failures.failed(e); // runs on its own schedule: only the logging (once, then a reminder) applies
        }
    }

    /** Deletes published rows older than the retention period; returns how many. */
    public int deletePublished() throws SQLException {
        String sql =
                tables.dialect.deleteLimited(tables.outbox, "id", "status = 'PUBLISHED' AND published_at < ?", "id");
        return deleteInBatches(sql, retention, purgedEvents);
    }

    /**
     * Deletes the request rows of idempotent commands ({@code <prefix>outbox_request}) created before the request
     * retention; returns how many. A repeat of such a request id is then run as a new command.
     */
    public int deleteExpiredRequests() throws SQLException {
        String sql = tables.dialect.deleteLimited(tables.request, "request_id", "created_at < ?", "created_at");
        return deleteInBatches(sql, requestRetention, purgedRequests);
    }

    /** Runs {@code sql} (cutoff, limit) in auto-commit batches until one deletes less than a batch, at most 40. */
    private int deleteInBatches(String sql, Duration keep, Counter purged) throws SQLException {
        int deleted = 0;
        try (Connection connection = dataSource.getConnection()) {
            for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
                int count;
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    statement.setTimestamp(1, Timestamp.from(clock.instant().minus(keep)));
                    statement.setInt(2, DELETE_BATCH);
                    count = statement.executeUpdate(); // auto-commit: each batch is its own short transaction
                }
                deleted += count;
                purged.increment(count);
                if (count < DELETE_BATCH) {
                    break;
                }
            }
        }
        return deleted;
    }

    void refreshGauges() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            pending.set(queryLong(connection, tables.pendingOverBusyAggregates()));
            deadLetters.set(queryLong(connection, "SELECT COUNT(*) FROM " + tables.dlq + " WHERE state = 'DEAD'"));
            try (PreparedStatement statement = connection.prepareStatement(tables.oldestPendingSince());
                    ResultSet row = statement.executeQuery()) {
                row.next();
                Timestamp oldest = row.getTimestamp(1);
                oldestPendingSeconds.set(
                        oldest == null
                                ? 0
                                : Math.max(
                                        0,
                                        Duration.between(oldest.toInstant(), clock.instant())
                                                .toSeconds()));
            }
        }
    }

    private static long queryLong(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql);
                ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }
}
