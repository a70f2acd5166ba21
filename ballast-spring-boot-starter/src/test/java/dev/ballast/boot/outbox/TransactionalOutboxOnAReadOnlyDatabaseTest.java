package dev.ballast.boot.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.test.LocalDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What an append meets on a PostgreSQL server that takes no writes (a standby reached during a failover, a database
 * set {@code default_transaction_read_only}): here the transaction is made read-only with {@code SET TRANSACTION READ
 * ONLY}, and PostgreSQL refuses the append's insert with SQLSTATE 25006, as a standby does. Runs on the machine's
 * PostgreSQL, on tables of its own prefix.
 */
class TransactionalOutboxOnAReadOnlyDatabaseTest {

    @RegisterExtension
    static final LocalDatabase postgres = LocalDatabase.postgres();

    private final String prefix = "ro" + UUID.randomUUID().toString().substring(0, 8) + "_";
    private final Outbox outbox =
            Outbox.builder(postgres).tablePrefix(prefix).createSchema(true).build();
    private final TransactionalOutbox transactional = new TransactionalOutbox(outbox, postgres);
    private final TransactionTemplate transactions =
            new TransactionTemplate(new DataSourceTransactionManager(postgres));

    @AfterEach
    void dropTables() throws SQLException {
        try (Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : Outbox.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void anAppendTheServerRefusesAsReadOnlyFailsAsADataAccessExceptionCountedAsTheDatabaseUnavailable() {
        Throwable failure = catchThrowable(() -> transactions.executeWithoutResult(status -> {
            new JdbcTemplate(postgres).execute("SET TRANSACTION READ ONLY");
            transactional.append(OutboxEvent.of(
                    "r-1", "Order", "O-1", "OrderPlaced", "{\"qty\":1}".getBytes(StandardCharsets.UTF_8)));
        }));

        assertThat(failure).isInstanceOf(DataAccessException.class);
        assertThat(((DataAccessException) failure).getMostSpecificCause())
                .isInstanceOfSatisfying(
                        SQLException.class, sql -> assertThat(sql.getSQLState()).isEqualTo("25006"));
        // 503 UNAVAILABLE at the HTTP edge, not 500
        assertThat(ExceptionClassifier.defaults().classify(failure)).isEqualTo(ErrorCategory.INFRASTRUCTURE);
    }

    @Test
    void executeOnceOnAServerThatTakesNoWritesFailsTheSameWay() {
        Throwable failure = catchThrowable(() -> transactions.executeWithoutResult(status -> {
            new JdbcTemplate(postgres).execute("SET TRANSACTION READ ONLY");
            transactional.executeOnce("r-2", "{}".getBytes(StandardCharsets.UTF_8), () -> "done");
        }));

        assertThat(failure).isInstanceOf(DataAccessException.class);
        assertThat(ExceptionClassifier.defaults().classify(failure)).isEqualTo(ErrorCategory.INFRASTRUCTURE);
    }
}
