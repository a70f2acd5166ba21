package dev.ballast.lock.jdbc;

import dev.ballast.test.LocalDatabases;
import javax.sql.DataSource;

class JdbcLockStrategyPostgresIT extends JdbcLockStrategyContract {

    @Override
    protected DataSource dataSource() {
        return LocalDatabases.sharedPostgres();
    }
}
