package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** The relay's short transactions (claim, completion) and the SQL helpers both use. Immutable and thread-safe. */
final class RelayTransactions {

    /** Work inside one relay transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    /** The settings each transaction starts with on PostgreSQL (one round trip), or null. */
    private final @Nullable String settings;

    RelayTransactions(DataSource dataSource, OutboxTables tables, boolean asynchronousCommit, Duration networkTimeout) {
        this.dataSource = dataSource;
        StringJoiner local = new StringJoiner("; ");
        if (tables.isPostgres() && asynchronousCommit) {
            local.add("SET LOCAL synchronous_commit = off");
        }
        if (tables.isPostgres() && !networkTimeout.isZero()) {
            local.add("SET LOCAL idle_in_transaction_session_timeout = " + networkTimeout.toMillis());
        }
        this.settings = local.length() == 0 ? null : local.toString();
    }

    /** Runs {@code work} in a transaction of its own: committed if it returns, rolled back if it throws. */
    <T> T run(Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                settings(connection);
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /**
     * On PostgreSQL, with {@code asynchronousCommit}, lets this relay transaction's commit return before its WAL is
     * flushed. It is visible to every other transaction at once and durable a fraction of a second later; only a crash
     * of PostgreSQL itself in between can lose it, and then nothing is lost either: a lost claim makes the events
     * claimable again (one attempt not counted), a lost completion makes them publish again (at-least-once allows it),
     * and a lost dead-lettering is lost together with the outbox row's change, so the event is still pending and is
     * retried. The business transaction of {@code append} is never relaxed. Saves the relay two disk flushes per batch.
     *
     * <p>And, with a network timeout, has the server end the transaction when this relay goes silent in it for longer
     * ({@code idle_in_transaction_session_timeout}): a relay cut off from the database mid-transaction (a network cut,
     * its host frozen) gives up on its connection after the network timeout, but the server would keep the
     * transaction, and the row locks of its claim, until it noticed the client gone (TCP keepalive: two hours by
     * default), and every other relay would pass those aggregates by ({@code SKIP LOCKED}) until then.
     */
    private void settings(Connection connection) throws SQLException {
        if (settings != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(settings);
            }
        }
    }

    /** One map key per aggregate (NUL cannot occur in a validated type or id). */
    static String aggregateKey(String type, String id) {
        return type + "\u0000" + id;
    }

    /** Runs {@code sqlEndingInIn} with {@code (?, ?, ...)} appended for the ids, 500 at a time; returns the rows changed. */
    static int updateIds(Connection connection, String sqlEndingInIn, List<Long> ids) throws SQLException {
        int changed = 0;
        for (int from = 0; from < ids.size(); from += 500) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            StringJoiner marks = new StringJoiner(", ", "(", ")");
            chunk.forEach(id -> marks.add("?"));
            try (PreparedStatement statement = connection.prepareStatement(sqlEndingInIn + marks)) {
                for (int i = 0; i < chunk.size(); i++) {
                    statement.setLong(i + 1, chunk.get(i));
                }
                changed += statement.executeUpdate();
            }
        }
        return changed;
    }
}
