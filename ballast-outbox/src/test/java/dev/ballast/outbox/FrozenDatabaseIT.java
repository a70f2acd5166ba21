package dev.ballast.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.Eventually;
import dev.ballast.test.FaultProxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A relay whose database stops answering mid-drain (a frozen primary, a network cut that drops packets) while new
 * connections already reach a server that answers (a promoted standby). pgjdbc waits for an answer
 * without end unless the URL sets {@code socketTimeout}, and a pool hands a connection it used a moment ago back
 * without checking it, so the relay's statement on the frozen connection would wait forever. The outbox's network
 * timeout gives up on it and the relay goes on through a new connection.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FrozenDatabaseIT {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final int EVENTS = 5_000;

    private final String prefix =
            "frozen" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";

    @AfterEach
    void dropTables() throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "");
                Statement statement = connection.createStatement()) {
            for (String table : Outbox.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void aRelayWhoseConnectionFreezesMidDrainGivesUpOnItAndDrainsThroughANewOne() throws Exception {
        AtomicBoolean failedOver = new AtomicBoolean();
        Set<String> published = ConcurrentHashMap.newKeySet();
        try (FaultProxy proxy = FaultProxy.start(5432);
                HikariDataSource pool = pool(proxy, failedOver)) {
            Outbox outbox = Outbox.builder(pool)
                    .tablePrefix(prefix)
                    .createSchema(true)
                    .networkTimeout(Duration.ofSeconds(1))
                    .build();
            appendAll(outbox);
            try (OutboxRelay relay = outbox.relay(
                            OutboxPublisher.inProcess(message -> published.add(message.eventId())))
                    .threads(1)
                    .batchAggregates(20)
                    .maxPerAggregate(10)
                    .lease(Duration.ofSeconds(2))
                    .pollInterval(Duration.ofMillis(50))
                    .build()
                    .start()) {
                Eventually.within(Duration.ofSeconds(30), "the relay draining", () -> published.size() >= 1_000);

                failedOver.set(true); // new connections reach the server directly
                // the pool's connections lose their server mid-drain without a word: the server ends their sessions
                // (their locks go), the relay hears nothing, as when the primary it was on is gone
                proxy.halfOpen();

                try {
                    Eventually.within(
                            Duration.ofSeconds(30),
                            "every event published after the relay's connection froze",
                            () -> published.size() == EVENTS && pending() == 0);
                } finally {
                    proxy.close(); // on failure, ends the connections a relay is stuck on, so that it can close
                }
            }
        }
        assertThat(published).hasSize(EVENTS);
    }

    /** Pooled connections through {@code proxy} until {@code failedOver}, then straight to the server. */
    private static HikariDataSource pool(FaultProxy proxy, AtomicBoolean failedOver) {
        PGSimpleDataSource servers = new PGSimpleDataSource() {
            @Override
            public Connection getConnection(String user, String password) throws SQLException {
                setPortNumbers(new int[] {failedOver.get() ? 5432 : proxy.port()});
                return super.getConnection(user, password);
            }
        };
        servers.setServerNames(new String[] {"127.0.0.1"});
        servers.setDatabaseName("test");
        servers.setUser("postgres");
        HikariConfig config = new HikariConfig();
        config.setDataSource(servers);
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(5_000);
        return new HikariDataSource(config);
    }

    private void appendAll(Outbox outbox) throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "")) {
            connection.setAutoCommit(false);
            for (int i = 0; i < EVENTS; i++) {
                outbox.append(
                        connection,
                        OutboxEvent.of(
                                "r-" + i,
                                "Account",
                                "A-" + (i % 100),
                                "Deposited",
                                ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            connection.commit();
        }
    }

    private long pending() {
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "");
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'")) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
