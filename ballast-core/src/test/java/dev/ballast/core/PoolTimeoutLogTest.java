package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LogCapture;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A task that gets no connection from an exhausted HikariCP pool (the database reachable, every connection in use) is
 * an overload, not a fault: one WARN line without a stack trace per window for all tasks together, the next line
 * reporting how many were held back; time moves by the policy's clock. A pool that cannot reach its database is an
 * outage and keeps its ERROR line with the stack trace.
 */
class PoolTimeoutLogTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("ballast");

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final InstantSource clock = () -> Instant.ofEpochMilli(millis.get());
    private final LogicExecutor executor = Fixtures.loggingExecutor(5, clock);
    private HikariDataSource pool;

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void poolTimeoutsAreOneWarnLinePerWindowForAllTasksWithoutStackTraceAndCountTheRest() throws SQLException {
        pool = pool("jdbc:h2:mem:pool-timeout-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", 250);
        try (Connection held = pool.getConnection()) {
            connect(Fixtures.ORDER);
            connect(new TaskContext("Account", "Read", "A-1"));
            connect(Fixtures.ORDER);
            millis.addAndGet(9_999);
            connect(Fixtures.ORDER);

            assertThat(logs.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getThrowableProxy()).as("no stack trace").isNull();
                assertThat(event.getFormattedMessage())
                        .startsWith("Order.Place [O-1] failed, the connection pool gave no connection in time"
                                + " (overload): IllegalStateException: SQLTransientConnectionException: ")
                        .contains("Connection is not available, request timed out after");
            });

            millis.addAndGet(1);
            connect(new TaskContext("Account", "Read", "A-2"));
        }

        List<ILoggingEvent> events = logs.events();
        assertThat(events).hasSize(2);
        assertThat(events.get(1).getFormattedMessage())
                .startsWith("Account.Read [A-2] failed")
                .endsWith("(3 pool timeouts suppressed since the last line)");
        assertThat(events.get(1).getKeyValuePairs()).anySatisfy(pair -> {
            assertThat(pair.key).isEqualTo("suppressed");
            assertThat(pair.value).isEqualTo(3L);
        });
    }

    @Test
    void aPoolThatCannotReachItsDatabaseIsAnOutageLoggedAtErrorWithTheStackTrace() {
        // nothing listens on port 1: every connection attempt is refused, so the pool's timeout carries that cause
        pool = pool("jdbc:postgresql://127.0.0.1:1/test?connectTimeout=1", 2_000);

        connect(Fixtures.ORDER);

        assertThat(logs.eventsAtLeast(Level.ERROR))
                .singleElement()
                .satisfies(event -> assertThat(event.getThrowableProxy()).isNotNull());
    }

    /** A pool of one connection, made at start (the H2 one) so that holding it does not wait on a slow machine. */
    private static HikariDataSource pool(String url, long connectionTimeoutMillis) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(1);
        config.setConnectionTimeout(connectionTimeoutMillis); // 250 ms is HikariCP's shortest
        if (url.startsWith("jdbc:h2:")) {
            config.setMinimumIdle(1); // the connection is made before the constructor returns
        } else {
            config.setMinimumIdle(0);
            config.setInitializationFailTimeout(-1); // start without a connection, as with a database that is down
        }
        return new HikariDataSource(config);
    }

    /** Runs a task that needs a connection and cannot get one; the failure propagates wrapped, as Spring wraps it. */
    private void connect(TaskContext context) {
        assertThatThrownBy(() -> executor.execute(context, () -> {
                    try (Connection connection = pool.getConnection()) {
                        return connection.isValid(1);
                    } catch (SQLException e) {
                        throw new IllegalStateException("Failed to obtain JDBC Connection", e);
                    }
                }))
                .isInstanceOf(IllegalStateException.class);
    }
}
