package dev.ballast.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

    private static final ClassLoader LOADER = SqlScriptTest.class.getClassLoader();

    @Test
    void splitsAtSemicolonsOutsideLiteralsAndDropsCommentsAndEmptyStatements() {
        SqlScript script = SqlScript.parse("t", """
                -- leading comment; with a semicolon
                CREATE TABLE a (x INT); /* block; comment */ ;;
                INSERT INTO a VALUES ('x;y'), ('it''s;'), ('-- no comment'), ('/* nor this */');
                SELECT "odd;name", `other;name` FROM a -- the last needs no semicolon
                """);

        assertThat(script.statements())
                .containsExactly(
                        "CREATE TABLE a (x INT)",
                        "INSERT INTO a VALUES ('x;y'), ('it''s;'), ('-- no comment'), ('/* nor this */')",
                        "SELECT \"odd;name\", `other;name` FROM a");
    }

    @Test
    void keepsDollarQuotedBodiesWhole() {
        SqlScript script = SqlScript.parse("t", """
                CREATE FUNCTION f() RETURNS INT AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
                CREATE FUNCTION g() RETURNS INT AS $body$ SELECT 2; -- $$ inside $body$ LANGUAGE sql;
                SELECT a$b, $1 FROM t;
                """);

        assertThat(script.statements())
                .containsExactly(
                        "CREATE FUNCTION f() RETURNS INT AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql",
                        "CREATE FUNCTION g() RETURNS INT AS $body$ SELECT 2; -- $$ inside $body$ LANGUAGE sql",
                        "SELECT a$b, $1 FROM t");
    }

    @Test
    void aScriptOfOnlyCommentsHasNoStatements() {
        assertThat(SqlScript.parse("t", "-- nothing\n/* here */\n ; \n").statements())
                .isEmpty();
    }

    @Test
    void anUnclosedLiteralIsRejectedNamingScriptAndLine() {
        assertThatThrownBy(() -> SqlScript.parse("db/x.sql", "SELECT 1;\nSELECT 'open;\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("db/x.sql")
                .hasMessageContaining("string literal opened on line 2");
        assertThatThrownBy(() -> SqlScript.parse("db/y.sql", "SELECT $q$ never closed"))
                .hasMessageContaining("dollar-quoted body $q$");
        assertThatThrownBy(() -> SqlScript.parse("db/z.sql", "SELECT 1 /* never closed"))
                .hasMessageContaining("block comment");
    }

    @Test
    void theTablePrefixRenamesIdentifiersAndBodiesButNotStringLiterals() {
        SqlScript script = SqlScript.parse(
                        "t",
                        "CREATE INDEX ballast_ix ON ballast_outbox (\"ballast_col\"); INSERT INTO xballast_y VALUES"
                                + " ('ballast_text', $$ballast_body$$)")
                .withTablePrefix("billing_");

        assertThat(script.statements())
                .containsExactly(
                        "CREATE INDEX billing_ix ON billing_outbox (\"billing_col\")",
                        "INSERT INTO xballast_y VALUES ('ballast_text', $$billing_body$$)");
    }

    @Test
    void aPrefixThatIsNotAPlainIdentifierIsRejected() {
        SqlScript script = SqlScript.parse("t", "SELECT 1 FROM ballast_x");

        assertThatThrownBy(() -> script.withTablePrefix("x; DROP TABLE y; --"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Table prefix");
    }

    @Test
    void aMissingScriptFailsNamingItsPath() {
        assertThatThrownBy(() -> SqlScript.load(LOADER, "db/nowhere/V1__missing.sql"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("SQL script db/nowhere/V1__missing.sql is not on the class path");
    }

    @Test
    void runsAClassPathScriptOnH2WithAPrefix() throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:h2:mem:sqlscript;DB_CLOSE_DELAY=-1")) {
            SqlScript script = SqlScript.load(LOADER, "/db/sqlscript/h2.sql").withTablePrefix("app_");

            assertThat(script.name()).isEqualTo("db/sqlscript/h2.sql");
            script.run(connection);

            assertThat(bodies(connection, "app_note"))
                    .containsExactly("a; b -- not a comment, ballast_x stays", "it's; quoted");
        }
    }

    @Test
    void aFailingStatementIsReportedWithScriptAndNumberAndKeepsItsSqlState() throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:h2:mem:sqlscript-fail")) {
            SqlScript script =
                    SqlScript.parse("db/bad.sql", "CREATE TABLE t (x INT);\nINSERT INTO missing VALUES (1);");

            assertThatThrownBy(() -> script.run(connection))
                    .isInstanceOf(SQLException.class)
                    .hasMessageStartingWith("Statement 2 of 2 in db/bad.sql failed: ")
                    .satisfies(e -> {
                        SQLException driver = (SQLException) e.getCause();
                        assertThat(((SQLException) e).getSQLState()).isNotNull().isEqualTo(driver.getSQLState());
                        assertThat(((SQLException) e).getErrorCode()).isEqualTo(driver.getErrorCode());
                    });
        }
    }

    static List<String> bodies(Connection connection, String table) throws SQLException {
        List<String> bodies = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT body FROM " + table + " ORDER BY id")) {
            while (rows.next()) {
                bodies.add(rows.getString(1));
            }
        }
        return bodies;
    }
}
