package dev.ballast.boot.internal.diagnostics;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Whether the tables a Ballast feature needs exist in the application's database, read the way the feature will read
 * them (a query on each name, so the database's own search path and case rules apply), and which Flyway location of
 * the shipped scripts fits that database.
 *
 * @param database the database as a person names it, e.g. {@code PostgreSQL database 'orders' (schema 'public')}; never
 *     the JDBC URL, which may hold a password
 * @param vendor the folder of the shipped scripts for this database ({@code postgresql}, {@code mariadb}, {@code h2}), or
 *     null when Ballast ships none for it
 * @param missing the names of the tables that are not there, in the order asked for
 */
public record BallastTables(String database, @Nullable String vendor, List<String> missing) {

    /**
     * SQLSTATEs of "no such table": PostgreSQL; MariaDB, MySQL and H2 (42S02; H2 says 42S03 and 42S04 for a table of
     * another schema or an empty database).
     */
    private static final Set<String> NO_SUCH_TABLE = Set.of("42P01", "42S02", "42S03", "42S04");

    public BallastTables {
        missing = List.copyOf(missing);
    }

    /**
     * Looks for {@code tables} on {@code dataSource}.
     *
     * @throws IllegalStateException if the database cannot be reached, or a table cannot be read for another reason
     */
    public static BallastTables check(DataSource dataSource, List<String> tables) {
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData metadata = connection.getMetaData();
            String product = metadata.getDatabaseProductName();
            List<String> missing = new ArrayList<>();
            for (String table : tables) {
                if (!exists(connection, table)) {
                    missing.add(table);
                }
            }
            return new BallastTables(describe(connection, product), vendor(product), missing);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Could not check Ballast's tables " + tables + " in the application's database: " + e.getMessage(),
                    e);
        }
    }

    /** Whether every table is there. */
    public boolean complete() {
        return missing.isEmpty();
    }

    /**
     * The Flyway location of the shipped scripts of {@code module} ({@code lock} or {@code outbox}) for this database,
     * e.g. {@code classpath:db/ballast/lock/postgresql}; for a database Ballast ships no script for, the folder pattern.
     */
    public String flywayLocation(String module) {
        return "classpath:db/ballast/" + module + "/" + (vendor != null ? vendor : "{postgresql|mariadb|h2}");
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        try (Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && NO_SUCH_TABLE.contains(e.getSQLState())) {
                if (!autoCommit) {
                    connection.rollback(); // PostgreSQL refuses further statements in a failed transaction
                }
                return false;
            }
            throw e;
        }
    }

    private static String describe(Connection connection, String product) {
        StringBuilder name = new StringBuilder(product).append(" database");
        String catalog = quietly(connection::getCatalog);
        String schema = quietly(connection::getSchema);
        if (catalog != null && !catalog.isBlank()) {
            name.append(" '").append(catalog).append('\'');
        }
        if (schema != null && !schema.isBlank() && !schema.equals(catalog)) {
            name.append(" (schema '").append(schema).append("')");
        }
        return name.toString();
    }

    private static @Nullable String vendor(String product) {
        String lower = product.toLowerCase(Locale.ROOT);
        if (lower.contains("postgres")) {
            return "postgresql";
        }
        if (lower.contains("mariadb") || lower.contains("mysql")) {
            return "mariadb";
        }
        return lower.equals("h2") ? "h2" : null;
    }

    private interface SqlSupplier {
        @Nullable
        String get() throws SQLException;
    }

    private static @Nullable String quietly(SqlSupplier supplier) {
        try {
            return supplier.get();
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }
}
