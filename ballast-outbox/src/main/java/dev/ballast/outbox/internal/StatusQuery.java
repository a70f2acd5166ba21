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

/** Reads an {@link OutboxStatus}: four aggregate queries on one connection. Thread-safe. */
public final class StatusQuery {

    private static final List<String> STATUSES = List.of("PENDING", "PUBLISHED", "DEAD");

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
            STATUSES.forEach(status -> byStatus.put(status, 0L));
            try (PreparedStatement statement = connection.prepareStatement(
                            "SELECT status, COUNT(*) FROM " + tables.outbox + " GROUP BY status");
                    ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    byStatus.put(rows.getString(1), rows.getLong(2));
                }
            }
            Duration oldest = null;
            try (PreparedStatement statement = connection.prepareStatement(tables.oldestPendingSince());
                    ResultSet row = statement.executeQuery()) {
                row.next();
                oldest = age(row.getTimestamp(1));
            }
            long dead;
            try (PreparedStatement statement = connection.prepareStatement(
                            "SELECT COUNT(*) FROM " + tables.dlq + " WHERE state = 'DEAD'");
                    ResultSet row = statement.executeQuery()) {
                row.next();
                dead = row.getLong(1);
            }
            List<OutboxStatus.Lease> leases = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement("SELECT lease_owner, COUNT(*),"
                            + " MAX(lease_until) FROM " + tables.aggregate
                            + " WHERE lease_owner IS NOT NULL AND lease_until IS NOT NULL"
                            + " GROUP BY lease_owner ORDER BY lease_owner");
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

    private @Nullable Duration age(@Nullable Timestamp oldest) {
        if (oldest == null) {
            return null;
        }
        Duration age = Duration.between(oldest.toInstant(), clock.instant());
        return age.isNegative() ? Duration.ZERO : age;
    }
}
