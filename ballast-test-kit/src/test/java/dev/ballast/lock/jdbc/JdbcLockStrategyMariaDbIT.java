package dev.ballast.lock.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LocalDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

class JdbcLockStrategyMariaDbIT extends JdbcLockStrategyContract {

    private static final HikariDataSource mariadb = LocalDatabases.mariadb();

    @AfterAll
    static void closePool() {
        mariadb.close();
    }

    @Override
    protected DataSource dataSource() {
        return mariadb;
    }
}
