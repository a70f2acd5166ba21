package dev.ballast.test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Connection pools to the machine's shared PostgreSQL and MariaDB (database {@code test}; started by {@code
 * scripts/local-services}). Pooled because a new PostgreSQL connection costs tens of milliseconds here. The caller
 * closes a pool it asked for; the shared pools ({@link #sharedPostgres()}, {@link #sharedMariadb()}) close when the JVM
 * exits. A test class that kills sessions takes a pool of its own ({@link LocalDatabase}).
 */
public final class LocalDatabases {

    private LocalDatabases() {}

    /** PostgreSQL on 127.0.0.1:5432, user {@code postgres}, trust authentication. */
    public static HikariDataSource postgres() {
        return new HikariDataSource(postgresConfig());
    }

    /** MariaDB on 127.0.0.1:3306, user {@code root}, empty password. */
    public static HikariDataSource mariadb() {
        return new HikariDataSource(mariadbConfig());
    }

    /**
     * One pool per JVM on PostgreSQL, for the test classes that only need a database: opened on first use, closed when
     * the JVM exits. Never close it, and never kill its sessions.
     */
    public static HikariDataSource sharedPostgres() {
        return SharedPostgres.POOL;
    }

    /** One pool per JVM on MariaDB, as {@link #sharedPostgres()}. */
    public static HikariDataSource sharedMariadb() {
        return SharedMariadb.POOL;
    }

    private static HikariDataSource shared(HikariConfig config) {
        HikariDataSource pool = new HikariDataSource(config);
        Runtime.getRuntime().addShutdownHook(new Thread(pool::close, "close-" + config.getJdbcUrl()));
        return pool;
    }

    private static final class SharedPostgres {
        static final HikariDataSource POOL = shared(postgresConfig());
    }

    private static final class SharedMariadb {
        static final HikariDataSource POOL = shared(mariadbConfig());
    }

    static HikariConfig postgresConfig() {
        return config("jdbc:postgresql://127.0.0.1:5432/test", "postgres");
    }

    static HikariConfig mariadbConfig() {
        return config("jdbc:mariadb://127.0.0.1:3306/test", "root");
    }

    private static HikariConfig config(String url, String user) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(24);
        config.setConnectionTimeout(10_000);
        return config;
    }
}
