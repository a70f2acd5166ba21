package dev.ballast.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.test.LocalDatabases;
import dev.ballast.test.TablesOnServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lists of table names that tests and tools drop the outbox and the inbox by are exactly the tables the shipped
 * scripts create, on every supported database: a script that adds a table without the list growing fails here.
 */
class TableNamesIT {

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql", "mariadb"})
    void theOutboxsTableNamesAreExactlyTheTablesItsScriptsCreate(String database) throws SQLException {
        String prefix = prefix();
        DataSource dataSource = dataSource(database);
        Outbox.builder(dataSource).tablePrefix(prefix).createSchema(true).build();
        try (Connection connection = dataSource.getConnection()) {
            try {
                assertThat(TablesOnServer.startingWith(connection, prefix))
                        .containsExactlyInAnyOrderElementsOf(lowerCase(Outbox.tableNames(prefix)));
            } finally {
                drop(connection, Outbox.tableNames(prefix));
            }
            assertThat(TablesOnServer.startingWith(connection, prefix)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql", "mariadb"})
    void theInboxsTableNamesAreExactlyTheTablesItsScriptsCreate(String database) throws SQLException {
        String prefix = prefix();
        DataSource dataSource = dataSource(database);
        Inbox.builder(dataSource, "table-names")
                .tablePrefix(prefix)
                .createSchema(true)
                .build();
        try (Connection connection = dataSource.getConnection()) {
            try {
                assertThat(TablesOnServer.startingWith(connection, prefix))
                        .containsExactlyInAnyOrderElementsOf(lowerCase(Inbox.tableNames(prefix)));
            } finally {
                drop(connection, Inbox.tableNames(prefix));
            }
            assertThat(TablesOnServer.startingWith(connection, prefix)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x; DROP TABLE y", "", "1abc"})
    void aPrefixThatIsNotAPlainIdentifierGetsNoNames(String prefix) {
        assertThatThrownBy(() -> Outbox.tableNames(prefix))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + prefix + "'");
        assertThatThrownBy(() -> Inbox.tableNames(prefix))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + prefix + "'");
    }

    private static String prefix() {
        return "tn" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    }

    private static DataSource dataSource(String database) {
        return switch (database) {
            case "postgresql" -> LocalDatabases.sharedPostgres();
            case "mariadb" -> LocalDatabases.sharedMariadb();
            default -> {
                JdbcDataSource h2 = new JdbcDataSource();
                h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
                yield h2;
            }
        };
    }

    private static List<String> lowerCase(List<String> names) {
        List<String> lower = new ArrayList<>();
        names.forEach(name -> lower.add(name.toLowerCase(Locale.ROOT)));
        return lower;
    }

    private static void drop(Connection connection, List<String> tables) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String table : tables) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }
}
