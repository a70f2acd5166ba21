package dev.ballast.boot.outbox;

import dev.ballast.outbox.Appended;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
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
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("TransactionalOutbox.append needs an active Spring transaction (for example"
                    + " a @Transactional method): without one the event could be stored while the business change is"
                    + " lost, or the other way round");
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            Appended appended = outbox.append(connection, event);
            wakeRelaysAfterCommit();
            return appended;
        } catch (SQLException e) {
            RuntimeException translated = translator.translate("outbox append", null, e);
            throw translated != null ? translated : new IllegalStateException("Outbox append failed", e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
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
