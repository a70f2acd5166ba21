package dev.ballast.outbox.inbox;

import dev.ballast.test.LocalDatabases;
import dev.ballast.testkit.outbox.InboxContract;
import javax.sql.DataSource;

/** The inbox contract on the machine's PostgreSQL. */
class InboxPostgresIT extends InboxContract {

    @Override
    protected DataSource dataSource() {
        return LocalDatabases.sharedPostgres();
    }
}
