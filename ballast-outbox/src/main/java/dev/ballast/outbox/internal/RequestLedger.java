package dev.ballast.outbox.internal;

import dev.ballast.core.sql.SqlStates;
import dev.ballast.outbox.CommandOutcome;
import dev.ballast.outbox.IdempotencyConflictException;
import dev.ballast.outbox.IdempotentCommand;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * Claims request ids for idempotent commands in {@code <prefix>outbox_request}, in the caller's transaction: the claim
 * is an insert into the primary key, so of two racing transactions the second waits for the first and then finds its
 * row (or, if the first rolled back, claims it itself). Thread-safe.
 */
public final class RequestLedger {

    private final OutboxTables tables;
    private final String claim;
    private final String find;
    private final String complete;

    public RequestLedger(OutboxTables tables) {
        this.tables = tables;
        String insert = "INSERT INTO " + tables.request + " (request_id, request_hash, created_at) VALUES (?, ?, "
                + tables.dialect.now + ")";
        this.claim = tables.isPostgres() ? insert + " ON CONFLICT (request_id) DO NOTHING" : insert;
        // a locking read: under REPEATABLE READ (MySQL's default) a plain read would still use the old snapshot
        this.find = "SELECT request_hash, outcome FROM " + tables.request + " WHERE request_id = ? FOR UPDATE";
        this.complete = "UPDATE " + tables.request + " SET outcome = ? WHERE request_id = ?";
    }

    /** Runs {@code command} if {@code requestId} is new in this database, else returns what the first run stored. */
    public CommandOutcome executeOnce(
            Connection connection, String requestId, byte[] request, IdempotentCommand command) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("Outbox executeOnce needs a connection inside a transaction (auto-commit"
                    + " is on): the claim must commit or roll back together with the business writes");
        }
        String hash = sha256(request);
        if (claim(connection, requestId, hash)) {
            String outcome = command.run(connection);
            if (outcome == null) {
                throw new IllegalStateException("Outbox executeOnce: the command for request '" + requestId
                        + "' returned null; return the outcome a repeat should get (e.g. \"\" or a JSON document)");
            }
            try (PreparedStatement statement = connection.prepareStatement(complete)) {
                statement.setString(1, outcome);
                statement.setString(2, requestId);
                statement.executeUpdate();
            }
            return new CommandOutcome(outcome, false);
        }
        try (PreparedStatement statement = connection.prepareStatement(find)) {
            statement.setString(1, requestId);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("Outbox request '" + requestId + "' conflicted but cannot be found");
                }
                if (!row.getString(1).equals(hash)) {
                    throw new IdempotencyConflictException(requestId);
                }
                String outcome = row.getString(2);
                if (outcome == null) {
                    throw new SQLException("Outbox request '" + requestId + "' has no stored outcome");
                }
                return new CommandOutcome(outcome, true);
            }
        }
    }

    private boolean claim(Connection connection, String requestId, String hash) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(claim)) {
            statement.setString(1, requestId);
            statement.setString(2, hash);
            return statement.executeUpdate() == 1; // 0 on PostgreSQL: claimed before (maybe just committed)
        } catch (SQLException e) {
            if (!tables.isPostgres() && SqlStates.isIntegrityViolation(e)) {
                return false; // duplicate request id; the failed statement alone was rolled back
            }
            throw e;
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
