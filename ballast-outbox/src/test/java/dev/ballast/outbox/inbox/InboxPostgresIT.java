package dev.ballast.outbox.inbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LocalDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** The inbox contract on the machine's PostgreSQL. */
class InboxPostgresIT extends InboxContract {

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
