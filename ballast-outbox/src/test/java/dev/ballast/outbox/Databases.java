package dev.ballast.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Pools to the machine's local PostgreSQL and MariaDB (see scripts/local-services). */
final class Databases {

    private Databases() {}

    static HikariDataSource postgres() {
        return pool("jdbc:postgresql://127.0.0.1:5432/test", "postgres");
    }

    static HikariDataSource mariadb() {
        return pool("jdbc:mariadb://127.0.0.1:3306/test", "root");
    }

    private static HikariDataSource pool(String url, String user) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword("");
        config.setMaximumPoolSize(16);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }
}
