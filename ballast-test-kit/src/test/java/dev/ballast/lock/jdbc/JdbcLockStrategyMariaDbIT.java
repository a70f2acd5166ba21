package dev.ballast.lock.jdbc;

import dev.ballast.test.LocalDatabases;
import javax.sql.DataSource;

class JdbcLockStrategyMariaDbIT extends JdbcLockStrategyContract {

    @Override
    protected DataSource dataSource() {
        return LocalDatabases.sharedMariadb();
    }
}
