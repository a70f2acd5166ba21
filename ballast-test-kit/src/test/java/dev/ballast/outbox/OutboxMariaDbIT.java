package dev.ballast.outbox;

import dev.ballast.test.LocalDatabases;
import dev.ballast.testkit.outbox.OutboxContract;
import javax.sql.DataSource;

/** The outbox contract on the machine's MariaDB. */
class OutboxMariaDbIT extends OutboxContract {

    @Override
    protected DataSource dataSource() {
        return LocalDatabases.sharedMariadb();
    }
}
