package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Gives back the aggregate leases one relay still holds, so other relays claim them at once. Internal. */
public final class RelayLeases {

    private RelayLeases() {}

    /**
     * Clears every lease held by {@code owner}: its aggregates become claimable now, as if the leases had run out (the
     * pending events stay pending; a claim already counted its attempt). Returns how many were released.
     */
    public static int release(DataSource dataSource, OutboxTables tables, String owner) throws SQLException {
        String sql = "UPDATE " + tables.aggregate + " SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            connection.setAutoCommit(true);
            statement.setString(1, owner);
            return statement.executeUpdate();
        }
    }

    /** How many aggregate leases {@code owner} holds (expired or not). */
    public static int held(DataSource dataSource, OutboxTables tables, String owner) throws SQLException {
        String sql = "SELECT COUNT(*) FROM " + tables.aggregate + " WHERE lease_owner = ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, owner);
            try (var result = statement.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }
}
