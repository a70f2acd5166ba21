package dev.ballast.core.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.LocalDatabases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The runner on the shared PostgreSQL and MariaDB: what each database's scripts may hold reaches it intact; and how
 * their duplicate keys read.
 */
class SqlScriptIT {

    @Test
    void runsAPlPgSqlBodyWithSemicolonsOnPostgres() throws SQLException {
        List<String> bodies = runAndRead(
                LocalDatabases.sharedPostgres(),
                "db/sqlscript/postgresql.sql",
                "DROP FUNCTION IF EXISTS %snote_add(INT, VARCHAR)",
                "DROP TABLE IF EXISTS %snote");

        assertThat(bodies).containsExactly("one; with 'quotes'", "two; dollar-quoted");
    }

    @Test
    void runsQuotedSemicolonsAndBacktickNamesOnMariadb() throws SQLException {
        assertThat(SqlScript.load(SqlScriptIT.class.getClassLoader(), "db/sqlscript/mariadb.sql")
                        .statements())
                .hasSize(3);

        List<String> bodies =
                runAndRead(LocalDatabases.sharedMariadb(), "db/sqlscript/mariadb.sql", "DROP TABLE IF EXISTS %snote");

        assertThat(bodies).containsExactly("one; with 'quotes'", "two -- and /* not comments */");
    }

    @Test
    void aDuplicateKeyIsAnIntegrityViolationOnPostgresAndMariadb() throws SQLException {
        SQLException postgres =
                SqlStatesTest.duplicateKey(LocalDatabases.sharedPostgres().getConnection());
        SQLException mariadb =
                SqlStatesTest.duplicateKey(LocalDatabases.sharedMariadb().getConnection());

        assertThat(SqlStates.isIntegrityViolation(postgres)).isTrue();
        assertThat(SqlStates.isIntegrityViolation(mariadb)).isTrue();
        assertThat(SqlStates.isTransactionRollback(postgres)).isFalse();
        assertThat(SqlStates.isTransactionRollback(mariadb)).isFalse();
    }

    /** Runs the script with a fresh prefix, reads {@code <prefix>note}, then runs the clean-ups (%s: the prefix). */
    private static List<String> runAndRead(DataSource database, String script, String... cleanUps) throws SQLException {
        String prefix = "sqlscript" + ThreadLocalRandom.current().nextInt(1_000_000) + "_";
        try (Connection connection = database.getConnection()) {
            try {
                SqlScript.load(SqlScriptIT.class.getClassLoader(), script)
                        .withTablePrefix(prefix)
                        .run(connection);
                return SqlScriptTest.bodies(connection, prefix + "note");
            } finally {
                try (Statement statement = connection.createStatement()) {
                    for (String cleanUp : cleanUps) {
                        statement.execute(cleanUp.formatted(prefix));
                    }
                }
            }
        }
    }
}
