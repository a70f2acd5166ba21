package dev.ballast.outbox.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.testkit.outbox.InboxContract;
import java.sql.SQLException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The inbox contract on H2 (in memory). */
class InboxH2Test extends InboxContract {

    private static final JdbcDataSource h2 = new JdbcDataSource();

    static {
        h2.setURL("jdbc:h2:mem:inbox;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
    }

    @Override
    protected DataSource dataSource() {
        return h2;
    }

    @Override
    protected void assertSecondDeliveryWasNotHandled(Future<Inbox.Result> second) throws Exception {
        try {
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(Inbox.Result.DUPLICATE);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SQLException.class); // key violation: rolled back, redelivered
        }
    }
}
