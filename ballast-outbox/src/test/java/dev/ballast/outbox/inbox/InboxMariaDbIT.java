package dev.ballast.outbox.inbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LocalDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** The inbox contract on the machine's MariaDB. */
class InboxMariaDbIT extends InboxContract {

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
