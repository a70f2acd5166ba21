package dev.ballast.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.testkit.outbox.OutboxContract;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** The outbox contract on embedded H2, the example service's default database. */
class OutboxH2Test extends OutboxContract {

    private static final HikariDataSource h2 = pool();

    private static HikariDataSource pool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:outbox-contract;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        config.setMaximumPoolSize(16);
        return new HikariDataSource(config);
    }

    @AfterAll
    static void closePool() {
        h2.close();
    }

    @Override
    protected DataSource dataSource() {
        return h2;
    }
}
