package dev.ballast.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The outbox contract on the machine's PostgreSQL, plus the LISTEN/NOTIFY wake-up. */
class OutboxPostgresIT extends OutboxContract {

    private static final HikariDataSource postgres = Databases.postgres();

    @AfterAll
    static void closePool() {
        postgres.close();
    }

    @Override
    protected DataSource dataSource() {
        return postgres;
    }

    @Test
    void aCommitWakesAnIdleRelayLongBeforeItsNextPoll() throws Exception {
        started(relay().pollInterval(Duration.ofSeconds(30)));
        Thread.sleep(500); // the worker is idle and the LISTEN connection is up
        long start = System.nanoTime();
        append(event("r-1", "O-1", "wake up"));
        awaitTrue(() -> recorder.published.size() == 1);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
}
