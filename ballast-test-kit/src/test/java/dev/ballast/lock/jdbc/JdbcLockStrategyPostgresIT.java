package dev.ballast.lock.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LocalDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

class JdbcLockStrategyPostgresIT extends JdbcLockStrategyContract {

    private static final HikariDataSource postgres = LocalDatabases.postgres();

    @AfterAll
    static void closePool() {
        postgres.close();
    }

    @Override
    protected DataSource dataSource() {
        return postgres;
    }
}
