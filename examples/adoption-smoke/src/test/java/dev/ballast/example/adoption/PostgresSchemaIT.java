package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.test.LocalDatabases;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;

/**
 * Issue 16 item 1 on a real PostgreSQL: by default Ballast creates no table there; with {@code always} it creates its
 * tables and locks and the outbox work.
 */
class PostgresSchemaIT {

    private final String schema =
            "adopt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final ApplicationContextRunner app = Apps.runner()
            .withPropertyValues(
                    "spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + schema,
                    "spring.datasource.username=postgres",
                    "ballast.outbox.relay.poll-interval=50ms");

    @BeforeEach
    void createSchema() throws Exception {
        execute("CREATE SCHEMA " + schema);
        execute("CREATE TABLE " + schema + ".trade (trade_id VARCHAR(36) NOT NULL PRIMARY KEY,"
                + " account_id VARCHAR(16) NOT NULL, amount DECIMAL(19, 2) NOT NULL)");
    }

    @AfterEach
    void dropSchema() throws Exception {
        execute("DROP SCHEMA " + schema + " CASCADE");
    }

    @Test
    void byDefaultNoBallastTableIsCreatedOnPostgres() {
        app.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(Apps.ballastTables(context.getBean(DataSource.class))).isEmpty();
        });
    }

    @Test
    void alwaysCreatesTheTablesOnPostgresAndLocksAndTheOutboxWork() {
        app.withUserConfiguration(Trades.class)
                .withPropertyValues(
                        "ballast.lock.backend=JDBC",
                        "ballast.outbox.schema.initialize=always",
                        "ballast.lock.jdbc.schema.initialize=always")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(Apps.ballastTables(context.getBean(DataSource.class)))
                            .contains(
                                    "ballast_lock", "ballast_outbox", "ballast_outbox_aggregate", "ballast_outbox_dlq");
                    try (LockHandle handle = context.getBean(LockStrategy.class)
                            .tryAcquire("account:A-1", Duration.ZERO, Duration.ofSeconds(5))) {
                        assertThat(handle.fencingToken()).isPositive();
                    }
                    context.getBean(TradeService.class).book("T-1", "A-1", new BigDecimal("10.00"));
                    Trades.Received received = context.getBean(Trades.Received.class);
                    await().atMost(Duration.ofSeconds(10)).until(() -> !received.messages.isEmpty());
                    assertThat(received.messages).singleElement().satisfies(message -> assertThat(message.requestId())
                            .isEqualTo("trade:T-1"));
                });
    }

    private static void execute(String sql) throws Exception {
        try (var dataSource = LocalDatabases.postgres();
                Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TradeService.class)
    static class Trades {
        @Bean
        Received received() {
            return new Received();
        }

        static class Received {
            final List<OutboxMessage> messages = new CopyOnWriteArrayList<>();

            @EventListener
            public void on(OutboxMessage message) {
                messages.add(message);
            }
        }
    }
}
