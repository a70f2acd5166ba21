package dev.ballast.boot.outbox;

import dev.ballast.outbox.Appended;
import dev.ballast.outbox.CommandOutcome;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLStateSQLExceptionTranslator;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Appends outbox events in the current Spring transaction (the connection Spring's transaction manager bound to the
 * DataSource), so an event is stored if and only if the business change commits. Thread-safe.
 */
public final class TransactionalOutbox {

    private final Outbox outbox;
    private final DataSource dataSource;
    private final SQLStateSQLExceptionTranslator translator = new SQLStateSQLExceptionTranslator();

    public TransactionalOutbox(Outbox outbox, DataSource dataSource) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Appends {@code event} in the current transaction; see {@link Outbox#append}.
     *
     * @throws IllegalStateException if no transaction is active (annotate the caller with {@code @Transactional})
     * @throws dev.ballast.outbox.IdempotencyConflictException if the request id was used with different content
     * @throws org.springframework.dao.DataAccessException if the database fails
     */
    public Appended append(OutboxEvent event) {
        requireTransaction("append");
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            Appended appended = outbox.append(connection, event);
            wakeRelaysAfterCommit();
            return appended;
        } catch (SQLException e) {
            throw translate("outbox append", e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Runs {@code command} (the business writes of a request, and its event appends) only if {@code requestId} is new,
     * in the current transaction; a repeat gets the stored outcome back and runs nothing. See {@link
     * Outbox#executeOnce}. If the command throws, the transaction must roll back (a {@code @Transactional} method does
     * for unchecked exceptions), and the claim goes with it.
     *
     * @param request what makes two requests "the same", e.g. the canonical form of the validated body
     * @param command the writes, on this transaction (JdbcClient, JdbcTemplate, JPA, ...); returns the outcome a repeat
     *     gets back, e.g. the response as JSON
     * @throws IllegalStateException if no transaction is active
     * @throws dev.ballast.outbox.IdempotencyConflictException if the request id was executed with another request
     * @throws org.springframework.dao.DataAccessException if the database fails
     */
    public CommandOutcome executeOnce(String requestId, byte[] request, Supplier<String> command) {
        requireTransaction("executeOnce");
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return outbox.executeOnce(connection, requestId, request, c -> command.get());
        } catch (SQLException e) {
            throw translate("outbox executeOnce", e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * The {@code DataAccessException} the Javadoc promises: Spring's by SQLSTATE where it has one, else an {@link
     * UncategorizedSQLException} that keeps the driver's exception (and its SQLSTATE) as the cause, e.g. PostgreSQL's
     * 25006 "cannot execute INSERT in a read-only transaction" from a standby, which Spring's table does not know.
     */
    private DataAccessException translate(String task, SQLException e) {
        DataAccessException translated = translator.translate(task, null, e);
        return translated != null ? translated : new UncategorizedSQLException(task, null, e);
    }

    private static void requireTransaction(String method) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("TransactionalOutbox." + method + " needs an active Spring transaction (for"
                    + " example a @Transactional method): without one the event could be stored while the business"
                    + " change is lost, or the other way round");
        }
    }

    /** After the transaction commits, relays are told (see {@link Outbox#afterCommit}; repeats are merged there). */
    private void wakeRelaysAfterCommit() {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                outbox.afterCommit();
            }
        });
    }

    /** The outbox itself (dead letters, relays). */
    public Outbox outbox() {
        return outbox;
    }
}
