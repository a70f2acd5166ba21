package dev.ballast.outbox.internal;

import dev.ballast.outbox.OutboxStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Reads an {@link OutboxStatus} on one connection, each statement through an index, so that what it reads grows with
 * the backlog (pending events, busy aggregates, dead letters) and not with the history the tables keep (published
 * rows within their retention, one row per aggregate ever written). Thread-safe.
 */
public final class StatusQuery {

    /** The statuses counted: published rows are not (see {@link OutboxTables#countByStatus}). */
    private static final List<String> COUNTED = List.of("PENDING", "DEAD");

    private final DataSource dataSource;
    private final OutboxTables tables;
    private final InstantSource clock;

    public StatusQuery(DataSource dataSource, OutboxTables tables, InstantSource clock) {
        this.dataSource = dataSource;
        this.tables = tables;
        this.clock = clock;
    }

    public OutboxStatus read() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Map<String, Long> byStatus = new LinkedHashMap<>();
            try (PreparedStatement statement = connection.prepareStatement(tables.countByStatus())) {
                for (String status : COUNTED) {
                    statement.setString(1, status);
                    try (ResultSet row = statement.executeQuery()) {
                        row.next();
                        byStatus.put(status, row.getLong(1));
                    }
                }
            }
            Duration oldest;
            try (PreparedStatement statement = connection.prepareStatement(tables.oldestPendingSince());
                    ResultSet row = statement.executeQuery()) {
                row.next();
                oldest = age(row.getTimestamp(1));
            }
            long dead;
            try (PreparedStatement statement = connection.prepareStatement(deadLetters());
                    ResultSet row = statement.executeQuery()) {
                row.next();
                dead = row.getLong(1);
            }
            List<OutboxStatus.Lease> leases = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(tables.leasesByOwner());
                    ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    leases.add(new OutboxStatus.Lease(
                            rows.getString(1),
                            rows.getLong(2),
                            rows.getTimestamp(3).toInstant()));
                }
            }
            return new OutboxStatus(byStatus, oldest, dead, leases);
        }
    }

    /**
     * Every statement {@link #read} runs, each status count with its status in the text: for a test that checks how
     * many rows each one reads.
     */
    List<String> statements() {
        return List.of(
                tables.countByStatus().replace("?", "'PENDING'"),
                tables.countByStatus().replace("?", "'DEAD'"),
                tables.oldestPendingSince(),
                deadLetters(),
                tables.leasesByOwner());
    }

    private String deadLetters() {
        return "SELECT COUNT(*) FROM " + tables.dlq + " WHERE state = 'DEAD'";
    }

    private @Nullable Duration age(@Nullable Timestamp oldest) {
        if (oldest == null) {
            return null;
        }
        Duration age = Duration.between(oldest.toInstant(), clock.instant());
        return age.isNegative() ? Duration.ZERO : age;
    }
}
