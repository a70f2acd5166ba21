package dev.ballast.outbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LocalDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** The outbox contract on the machine's MariaDB. */
class OutboxMariaDbIT extends OutboxContract {

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
