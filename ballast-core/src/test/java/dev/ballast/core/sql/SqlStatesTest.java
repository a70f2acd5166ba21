package dev.ballast.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class SqlStatesTest {

    @Test
    void aDuplicateKeyOnH2IsAnIntegrityViolationAndNotARollback() throws SQLException {
        SQLException duplicate = duplicateKey(DriverManager.getConnection("jdbc:h2:mem:sqlstates;DB_CLOSE_DELAY=-1"));

        assertThat(SqlStates.isIntegrityViolation(duplicate)).isTrue();
        assertThat(SqlStates.isTransactionRollback(duplicate)).isFalse();
    }

    @Test
    void aSyntaxErrorIsNeither() throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:h2:mem:sqlstates-syntax");
                Statement statement = connection.createStatement()) {
            SQLException syntax = catchThrowableOfType(SQLException.class, () -> statement.execute("SELEC 1"));

            assertThat(SqlStates.isIntegrityViolation(syntax)).isFalse();
            assertThat(SqlStates.isTransactionRollback(syntax)).isFalse();
        }
    }

    @Test
    void aDeadlockOrSerializationFailureIsARollbackAndAnExceptionWithoutAStateIsNeither() {
        assertThat(SqlStates.isTransactionRollback(new SQLException("deadlock", "40P01")))
                .isTrue();
        assertThat(SqlStates.isTransactionRollback(new SQLException("serialization", "40001")))
                .isTrue();
        assertThat(SqlStates.isIntegrityViolation(new SQLException("no state"))).isFalse();
        assertThat(SqlStates.isTransactionRollback(new SQLException("no state")))
                .isFalse();
    }

    /** The exception a second insert of one primary key gets on this connection's database (which it closes). */
    static SQLException duplicateKey(Connection connection) throws SQLException {
        String table = "sqlstates_" + Long.toHexString(System.nanoTime());
        try (connection;
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY)");
            try {
                statement.execute("INSERT INTO " + table + " VALUES (1)");
                return catchThrowableOfType(
                        SQLException.class, () -> statement.execute("INSERT INTO " + table + " VALUES (1)"));
            } finally {
                statement.execute("DROP TABLE " + table);
            }
        }
    }
}
