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
    void aPrefixStartingWithADigitIsRejectedNamingTheRule() {
        SqlScript script = SqlScript.parse("t", "CREATE TABLE ballast_x (id INT)");

        assertThatThrownBy(() -> script.withTablePrefix("1x_"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Table prefix must be empty or a letter or '_' followed by letters, digits and '_' (not"
                        + " starting with a digit), was '1x_'");
        assertThat(script.withTablePrefix("_1x_").statements()).containsExactly("CREATE TABLE _1x_x (id INT)");
        assertThat(script.withTablePrefix("").statements()).containsExactly("CREATE TABLE x (id INT)");
    }

    @Test
    void aPrefixThatWouldMakeANameLongerThanPostgresKeepsIsRejectedNamingThatName() {
        // the outbox script's longest name; PostgreSQL cut it to 63 characters mid-script, leaving half a schema
        SqlScript script = SqlScript.parse(
                "db/ballast/outbox/postgresql/V1__ballast_outbox.sql",
                "CREATE TABLE ballast_outbox_aggregate (next_attempt_at TIMESTAMP);\n"
                        + "CREATE INDEX ballast_outbox_aggregate_ready ON ballast_outbox_aggregate (next_attempt_at);\n"
                        + "INSERT INTO ballast_outbox_aggregate VALUES ('ballast_a_string_literal_is_no_name_at_all')");
        String longest = "p".repeat(40) + "_"; // 41 + "outbox_aggregate_ready" (22) = 63

        assertThat(script.withTablePrefix(longest).statements().get(1))
                .startsWith("CREATE INDEX " + longest + "outbox_aggregate_ready ON");
        String tooLong = "p".repeat(47) + "_";
        assertThatThrownBy(() -> script.withTablePrefix(tooLong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Table prefix must be at most 41 characters for"
                        + " db/ballast/outbox/postgresql/V1__ballast_outbox.sql, was '" + tooLong + "' (48):"
                        + " ballast_outbox_aggregate_ready would be named " + tooLong + "outbox_aggregate_ready, 70"
                        + " characters, more than the 63 PostgreSQL keeps");
        assertThatThrownBy(() -> script.withTablePrefix("q".repeat(42))).hasMessageContaining("at most 41 characters");
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
