package dev.ballast.outbox;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The business writes of a request, run by {@link Outbox#executeOnce} only for a request id it has not seen.
 */
@FunctionalInterface
public interface IdempotentCommand {

    /**
     * Performs the writes on {@code connection} (the caller's transaction; append the request's events here too) and
     * returns the outcome a repeat of the request gets back, e.g. the response as JSON. Never null.
     */
    String run(Connection connection) throws SQLException;
}
