package dev.ballast.example.brokerage.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/** A database of its own on the machine's shared PostgreSQL or MariaDB, dropped on close. */
final class FreshDatabase implements AutoCloseable {

    private final String serverUrl;
    private final String user;
    private final String name;
    private final String dropSql;
    final String jdbcUrl;

    private FreshDatabase(String serverUrl, String user, String name, String jdbcUrl, String dropSql) {
        this.serverUrl = serverUrl;
        this.user = user;
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.dropSql = dropSql;
    }

    static FreshDatabase postgres() throws SQLException {
        String name = newName();
        FreshDatabase database = new FreshDatabase(
                "jdbc:postgresql://127.0.0.1:5432/test",
                "postgres",
                name,
                "jdbc:postgresql://127.0.0.1:5432/" + name,
                "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        database.execute("CREATE DATABASE " + name);
        return database;
    }

    static FreshDatabase mariadb() throws SQLException {
        String name = newName();
        FreshDatabase database = new FreshDatabase(
                "jdbc:mariadb://127.0.0.1:3306/test",
                "root",
                name,
                "jdbc:mariadb://127.0.0.1:3306/" + name,
                "DROP DATABASE IF EXISTS " + name);
        database.execute("CREATE DATABASE " + name);
        return database;
    }

    /** The environment that points an example instance at this database, and nothing else. */
    Map<String, String> environment() {
        return Map.of(
                "SPRING_DATASOURCE_URL",
                jdbcUrl,
                "SPRING_DATASOURCE_USERNAME",
                user,
                "SPRING_DATASOURCE_PASSWORD",
                "",
                // the instances deduplicate alerts through ballast_alert_dedup, which Flyway creates
                "BALLAST_ALERT_FATIGUE_SHARED_DEDUP",
                "true");
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, "");
    }

    String name() {
        return name;
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(serverUrl, user, "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        execute(dropSql);
    }

    private static String newName() {
        return "brokerage_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
}
