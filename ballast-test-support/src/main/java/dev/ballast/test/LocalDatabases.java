package dev.ballast.test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Connection pools to the machine's shared PostgreSQL and MariaDB (database {@code test}; started by {@code
 * scripts/local-services}). Pooled because a new PostgreSQL connection costs tens of milliseconds here. The caller
 * closes the pool.
 */
public final class LocalDatabases {

    private LocalDatabases() {}

    /** PostgreSQL on 127.0.0.1:5432, user {@code postgres}, trust authentication. */
    public static HikariDataSource postgres() {
        return pool("jdbc:postgresql://127.0.0.1:5432/test", "postgres");
    }

    /** MariaDB on 127.0.0.1:3306, user {@code root}, empty password. */
    public static HikariDataSource mariadb() {
        return pool("jdbc:mariadb://127.0.0.1:3306/test", "root");
    }

    private static HikariDataSource pool(String url, String user) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(24);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }
}
