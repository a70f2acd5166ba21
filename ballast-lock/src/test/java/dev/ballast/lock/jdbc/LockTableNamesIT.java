package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.lock.LockStrategy;
import dev.ballast.test.LocalDatabases;
import dev.ballast.test.TablesOnServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
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
                assertThat(TablesOnServer.startingWith(connection, prefix))
                        .containsExactlyInAnyOrderElementsOf(names.apply(prefix));
            } finally {
                try (Statement statement = connection.createStatement()) {
                    for (String table : names.apply(prefix)) {
                        statement.execute("DROP TABLE IF EXISTS " + table);
                    }
                }
            }
            assertThat(TablesOnServer.startingWith(connection, prefix)).isEmpty();
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
}
