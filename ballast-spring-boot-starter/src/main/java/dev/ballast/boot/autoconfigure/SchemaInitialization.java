package dev.ballast.boot.autoconfigure;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * When Ballast creates its own tables at start-up, as Spring Boot's {@code spring.sql.init.mode}: {@code embedded}
 * (the default) only on an in-memory database, {@code always} on any database, {@code never} (the tables come from
 * your migrations, e.g. Flyway with the scripts under {@code db/ballast/}). Creation is idempotent
 * ({@code CREATE TABLE IF NOT EXISTS}).
 */
public enum SchemaInitialization {
    /** Only when the DataSource is an in-memory database (H2, HSQLDB or Derby in memory). */
    EMBEDDED,
    /** On every start-up, whatever the database. */
    ALWAYS,
    /** Never: the application's migrations create the tables. */
    NEVER;

    private static final List<String> IN_MEMORY_URLS =
            List.of("jdbc:h2:mem:", "jdbc:hsqldb:mem:", "jdbc:derby:memory:");

    /**
     * Whether the tables are to be created on {@code dataSource}.
     *
     * @throws IllegalStateException if the mode is {@link #EMBEDDED} and the database cannot be reached to tell
     */
    public boolean createsTablesOn(DataSource dataSource) {
        return switch (this) {
            case ALWAYS -> true;
            case NEVER -> false;
            case EMBEDDED -> isInMemory(dataSource);
        };
    }

    /** Whether {@code dataSource} is an in-memory database, by its JDBC URL (as Spring Boot decides it). */
    static boolean isInMemory(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            String url = connection.getMetaData().getURL();
            if (url == null) {
                return false;
            }
            String lower = url.toLowerCase(Locale.ROOT);
            return IN_MEMORY_URLS.stream().anyMatch(lower::startsWith);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Could not connect to the DataSource to tell whether it is an in-memory database (Ballast's"
                            + " schema initialization 'embedded'): " + e.getMessage(),
                    e);
        }
    }
}
