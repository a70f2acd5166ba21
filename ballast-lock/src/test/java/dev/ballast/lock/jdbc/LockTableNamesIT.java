package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.lock.LockStrategy;
import dev.ballast.test.LocalDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lists of lock table names are exactly the tables the strategies create, on every database they run on: tests that
 * dropped only {@code <prefix>lock} left the mode table the same script creates behind, on the shared servers.
 */
class LockTableNamesIT {

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql", "mariadb"})
    void theLockTablesNamedAreExactlyTheOnesTheJdbcStrategyCreates(String database) throws SQLException {
        assertNamesAreWhatIsCreated(
                dataSource(database),
                prefix -> JdbcLockStrategies.builder(dataSource(database), prefix, true)
                        .build(),
                JdbcLockStrategies::tableNames);
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void theTableNamedIsExactlyTheOneTheSessionLockStrategyCreates(String database) throws SQLException {
        assertNamesAreWhatIsCreated(
                dataSource(database),
                prefix -> SessionLockStrategies.builder(dataSource(database), prefix, true)
                        .build(),
                SessionLockStrategies::tableNames);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x; DROP TABLE y", "", "1abc"})
    void aPrefixThatIsNotAPlainIdentifierGetsNoNames(String prefix) {
        assertThatThrownBy(() -> JdbcLockStrategies.tableNames(prefix)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionLockStrategies.tableNames(prefix)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertNamesAreWhatIsCreated(
            DataSource dataSource, Function<String, LockStrategy> create, Function<String, List<String>> names)
            throws SQLException {
        String prefix = "ln" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
        create.apply(prefix).close();
        try (Connection connection = dataSource.getConnection()) {
            try {
                assertThat(tablesStartingWith(connection, prefix))
                        .containsExactlyInAnyOrderElementsOf(names.apply(prefix));
            } finally {
                try (Statement statement = connection.createStatement()) {
                    for (String table : names.apply(prefix)) {
                        statement.execute("DROP TABLE IF EXISTS " + table);
                    }
                }
            }
            assertThat(tablesStartingWith(connection, prefix)).isEmpty();
        }
    }

    private static final String H2 = "jdbc:h2:mem:lock-table-names-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

    private static DataSource dataSource(String database) {
        return switch (database) {
            case "postgresql" -> LocalDatabases.sharedPostgres();
            case "mariadb" -> LocalDatabases.sharedMariadb();
            default -> {
                JdbcDataSource h2 = new JdbcDataSource();
                h2.setURL(H2);
                yield h2;
            }
        };
    }

    /** The tables of the connection's schema (catalog on MariaDB) whose lower-case names start with {@code prefix}. */
    private static Set<String> tablesStartingWith(Connection connection, String prefix) throws SQLException {
        Set<String> tables = new HashSet<>();
        try (ResultSet rows = connection
                .getMetaData()
                .getTables(connection.getCatalog(), connection.getSchema(), null, new String[] {"TABLE"})) {
            while (rows.next()) {
                String name = rows.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (name.startsWith(prefix)) {
                    tables.add(name);
                }
            }
        }
        return tables;
    }
}
