package dev.ballast.example.brokerage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.Configuration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;

/**
 * The schema, from Flyway migrations per database ({@code h2}, {@code postgresql}, {@code mariadb}):
 *
 * <ol>
 *   <li>Ballast's tables from the scripts its jars ship ({@code db/ballast/outbox/<db>}, {@code db/ballast/inbox/<db>}, {@code db/ballast/lock/<db>},
 *       {@code db/ballast/alert/<db>}),
 *       each module with its own history table ({@code ballast_outbox_schema_history}, ...), so Ballast's versions and
 *       the application's never collide;
 *   <li>then the application's own tables from {@code db/migration/<db>} ({@code spring.flyway.*}, history in {@code
 *       flyway_schema_history}).
 * </ol>
 *
 * <p>Instances starting at once against one database take turns: the whole sequence runs under a database lock
 * ({@code pg_advisory_lock} / {@code GET_LOCK}), so exactly one of them migrates an empty database and the others find
 * it migrated.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
class DatabaseMigrations {

    /** Ballast modules whose shipped scripts are migrated, in this order. */
    static final List<String> BALLAST_MODULES = List.of("outbox", "inbox", "lock", "alert");

    private static final String LOCK_NAME = "brokerage-schema-migration";
    private static final Duration LOCK_WAIT = Duration.ofMinutes(2);

    @Bean
    FlywayMigrationStrategy ballastTablesThenApplicationTables() {
        return application -> {
            Configuration settings = application.getConfiguration();
            DataSource dataSource = settings.getDataSource();
            try (Connection connection = dataSource.getConnection()) {
                Database database = Database.of(connection);
                database.lock(connection);
                try {
                    for (String module : BALLAST_MODULES) {
                        Flyway.configure(settings.getClassLoader())
                                .configuration(settings)
                                .locations("classpath:db/ballast/" + module + "/" + database.folder)
                                .table("ballast_" + module + "_schema_history")
                                .baselineOnMigrate(true)
                                .baselineVersion("0")
                                .load()
                                .migrate();
                    }
                    application.migrate();
                } finally {
                    database.unlock(connection);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("Schema migration failed: " + e.getMessage(), e);
            }
        };
    }

    /** The databases the example supports, with the folder of their scripts and their session-level lock. */
    enum Database {
        H2("h2", null, null),
        POSTGRESQL(
                "postgresql",
                "SELECT pg_try_advisory_lock(hashtext('" + LOCK_NAME + "'))",
                "SELECT pg_advisory_unlock(hashtext('" + LOCK_NAME + "'))"),
        MARIADB("mariadb", "SELECT GET_LOCK('" + LOCK_NAME + "', 0)", "SELECT RELEASE_LOCK('" + LOCK_NAME + "')");

        final String folder;
        private final @Nullable String tryLock;
        private final @Nullable String unlock;

        Database(String folder, @Nullable String tryLock, @Nullable String unlock) {
            this.folder = folder;
            this.tryLock = tryLock;
            this.unlock = unlock;
        }

        static Database of(Connection connection) throws SQLException {
            String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
            if (product.contains("postgres")) {
                return POSTGRESQL;
            }
            if (product.contains("mariadb") || product.contains("mysql")) {
                return MARIADB;
            }
            if (product.contains("h2")) {
                return H2; // in memory: one JVM per database
            }
            throw new IllegalStateException(
                    "The example supports H2, PostgreSQL and MariaDB/MySQL; spring.datasource.url points at "
                            + product);
        }

        void lock(Connection connection) throws SQLException {
            String sql = tryLock;
            if (sql == null) {
                return;
            }
            long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
            while (!queryTrue(connection, sql)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Another instance has been migrating the schema for over " + LOCK_WAIT + "; giving up");
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for another instance's migration", e);
                }
            }
        }

        void unlock(Connection connection) throws SQLException {
            String sql = unlock;
            if (sql != null) {
                queryTrue(connection, sql);
            }
        }

        private static boolean queryTrue(Connection connection, String sql) throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement(sql);
                    ResultSet result = statement.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }
}
