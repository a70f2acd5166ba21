package dev.ballast.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LocalDatabases;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The outbox contract on the machine's PostgreSQL, plus the LISTEN/NOTIFY wake-up. */
class OutboxPostgresIT extends OutboxContract {

    private static final HikariDataSource postgres = LocalDatabases.postgres();

    @AfterAll
    static void closePool() {
        postgres.close();
    }

    @Override
    protected DataSource dataSource() {
        return postgres;
    }

    @Test
    void aCommitInAnotherInstanceWakesAnIdleRelayThroughNotify() throws Exception {
        started(relay().pollInterval(Duration.ofSeconds(30)));
        Thread.sleep(500); // the worker is idle and the LISTEN connection is up
        Outbox otherInstance = Outbox.builder(postgres).tablePrefix(prefix).build(); // no relay of its own
        long start = System.nanoTime();
        try (Connection connection = postgres.getConnection()) {
            connection.setAutoCommit(false);
            otherInstance.append(connection, event("r-1", "O-1", "wake up"));
            connection.commit();
        }
        otherInstance.afterCommit();
        awaitTrue(() -> recorder.published.size() == 1);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
}
