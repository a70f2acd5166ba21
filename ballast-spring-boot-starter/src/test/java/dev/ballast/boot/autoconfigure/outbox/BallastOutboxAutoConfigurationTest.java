package dev.ballast.boot.autoconfigure.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.boot.outbox.OutboxDataSource;
import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.test.Eventually;
import dev.ballast.test.LogCapture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.event.TransactionalEventListener;

class BallastOutboxAutoConfigurationTest {

    @RegisterExtension
    final LogCapture publisherLogs = LogCapture.of(ApplicationEventsPublisher.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BallastOutboxAutoConfiguration.class))
            .withPropertyValues("ballast.outbox.relay.poll-interval=20ms");

    @Test
    void anEventAppendedInACommittedTransactionArrivesAsAnApplicationEventAndARolledBackOneNever() {
        runner.withUserConfiguration(Database.class, Orders.Config.class).run(context -> {
            context.getBean(Orders.class).place("r-1", false);
            assertThatThrownBy(() -> context.getBean(Orders.class).place("r-2", true))
                    .hasMessage("rolled back");
            context.getBean(Orders.class).place("r-3", false);
            Received received = context.getBean(Received.class);
            // one aggregate is published in order: had the rolled-back r-2 been stored, it would come before r-3
            Eventually.within(Duration.ofSeconds(10), "r-3 published", () -> received.messages.stream()
                    .anyMatch(message -> message.requestId().equals("r-3")));

            assertThat(received.messages).extracting(OutboxMessage::requestId).containsExactly("r-1", "r-3");
            assertThat(new String(received.messages.getFirst().payload(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"qty\":1}");
        });
    }

    @Test
    void anInProcessPublisherWithoutAListenerForOutboxMessagesIsReportedWhenTheRelayStarts() {
        // found by a new user's check: with the default in-process publisher and no listener, every event was marked
        // PUBLISHED and dropped without a word; then by a black-box check, the same with only a transactional
        // listener, which Spring does not call for the relay's events (published outside a transaction)
        for (Class<?> listeners : List.of(Object.class, AfterCommitOnly.class)) {
            publisherLogs.clear();
            runner.withUserConfiguration(Database.class, Orders.Unheard.class, listeners)
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(publisherLogs.eventsAtLeast(Level.WARN))
                                .as(listeners.getSimpleName())
                                .singleElement()
                                .satisfies(line -> assertThat(line.getFormattedMessage())
                                        .startsWith("Outbox events will go nowhere")
                                        .contains("no listener in this context takes"
                                                + " dev.ballast.outbox.OutboxMessage outside a transaction"));
                    });
        }
    }

    @Test
    void listenersCalledForTheRelaysMessagesSilenceTheReport() {
        runner.withUserConfiguration(Database.class, Orders.Config.class).run(this::startsWithoutReport);
        runner.withUserConfiguration(Database.class, Orders.Unheard.class, EveryPayload.class)
                .run(this::startsWithoutReport);
        runner.withUserConfiguration(Database.class, Orders.Unheard.class)
                .withBean(
                        "forPayload",
                        ApplicationListener.class,
                        () -> ApplicationListener.<OutboxMessage>forPayload(message -> {}))
                .run(this::startsWithoutReport);
        runner.withUserConfiguration(Database.class, Orders.Unheard.class, AfterCommitOrWithout.class)
                .run(context -> {
                    startsWithoutReport(context);
                    context.getBean(Orders.class).place("r-1", false);
                    AfterCommitOrWithout received = context.getBean(AfterCommitOrWithout.class);
                    Eventually.within(Duration.ofSeconds(10), "r-1 received", () -> !received.messages.isEmpty());
                });
    }

    @Test
    void noReportWhereTheRelayDoesNotRun() {
        // nothing uses the outbox: no relay is started
        runner.withUserConfiguration(Database.class).run(this::startsWithoutReport);
        runner.withUserConfiguration(Database.class, Orders.Unheard.class)
                .withPropertyValues("ballast.outbox.relay.enabled=false")
                .run(this::startsWithoutReport);
    }

    @Test
    void anOutboxDataSourceCarriesTheRelaysWorkWhileAppendsStayOnTheApplicationsDataSource() {
        runner.withUserConfiguration(Database.class, Orders.Config.class, OwnPool.class)
                .run(context -> {
                    context.getBean(Orders.class).place("r-1", false);
                    Received received = context.getBean(Received.class);
                    Eventually.within(Duration.ofSeconds(10), "r-1 published", () -> !received.messages.isEmpty());

                    assertThat(received.messages)
                            .extracting(OutboxMessage::requestId)
                            .containsExactly("r-1");
                    assertThat(context.getBean(OwnPool.Counting.class)
                                    .connections
                                    .get())
                            .isPositive();
                    // declared as a non-default candidate, it leaves the application's DataSource the only one
                    assertThat(context.getBean(DataSource.class)).isInstanceOf(JdbcDataSource.class);
                });
    }

    @Test
    void appendingOutsideATransactionFailsSayingSo() {
        runner.withUserConfiguration(Database.class).run(context -> assertThatThrownBy(
                        () -> context.getBean(TransactionalOutbox.class).append(event("r-1")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs an active Spring transaction"));
    }

    @Test
    void withoutADataSourceThereIsNoOutbox() {
        runner.run(context -> assertThat(context).doesNotHaveBean(Outbox.class));
    }

    @Test
    void theRelayCanBeTurnedOffWhileAppendsKeepWorking() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.outbox.relay.enabled=false")
                .run(context -> {
                    assertThat(context).hasSingleBean(TransactionalOutbox.class);
                    assertThat(context).doesNotHaveBean(OutboxRelay.class);
                });
    }

    @Test
    void badSettingsFailStartUpNamingThem() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.outbox.relay.threads=0")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.outbox.relay.threads must be 1 to 64, was 0"));
        // found by the chaos suite: a negative lease failed naming neither the property nor the value as set
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.outbox.relay.lease=-5s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.outbox.relay.lease")
                        .hasStackTraceContaining("-5s"));
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.outbox.integrity.mode=HMAC")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.outbox.integrity.current-key-version"));
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.outbox.table-prefix=x;drop table y")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.outbox.table-prefix must be letters, digits and '_'"));
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.outbox.network-timeout=500ms")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.outbox.network-timeout")
                        .hasStackTraceContaining("500ms"));
    }

    @Test
    void hmacKeysFromPropertiesAreUsedAndNeverEchoed() {
        String key = java.util.Base64.getEncoder().encodeToString("k".repeat(32).getBytes(StandardCharsets.UTF_8));
        runner.withUserConfiguration(Database.class)
                .withPropertyValues(
                        "ballast.outbox.integrity.mode=HMAC",
                        "ballast.outbox.integrity.current-key-version=3",
                        "ballast.outbox.integrity.keys.2=not-base64!")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.outbox.integrity.keys.2 is not valid Base64")
                        .satisfies(failure -> assertThat(failure.toString()).doesNotContain("not-base64!")));
        runner.withUserConfiguration(Database.class)
                .withPropertyValues(
                        "ballast.outbox.integrity.mode=HMAC",
                        "ballast.outbox.integrity.current-key-version=3",
                        "ballast.outbox.integrity.keys.3=" + key)
                .run(context -> assertThat(context).hasSingleBean(Outbox.class));
        String shortKey = java.util.Base64.getEncoder().encodeToString("short".getBytes(StandardCharsets.UTF_8));
        runner.withUserConfiguration(Database.class)
                .withPropertyValues(
                        "ballast.outbox.integrity.mode=HMAC",
                        "ballast.outbox.integrity.current-key-version=3",
                        "ballast.outbox.integrity.keys.3=" + shortKey)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidBallastPropertyException.class)
                        .hasMessage("ballast.outbox.integrity.keys.3 must be at least 32 bytes once Base64-decoded")
                        .satisfies(failure -> assertThat(failure.toString()).doesNotContain(shortKey)));
        runner.withUserConfiguration(Database.class)
                .withPropertyValues(
                        "ballast.outbox.integrity.mode=HMAC",
                        "ballast.outbox.integrity.current-key-version=4",
                        "ballast.outbox.integrity.keys.3=" + key)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidBallastPropertyException.class)
                        .hasMessage("ballast.outbox.integrity.current-key-version must be the version of one of"
                                + " ballast.outbox.integrity.keys.<version>: [3], was 4"));
    }

    private static OutboxEvent event(String requestId) {
        return OutboxEvent.of(requestId, "Order", "O-1", "OrderPlaced", "{\"qty\":1}".getBytes(StandardCharsets.UTF_8));
    }

    private void startsWithoutReport(AssertableApplicationContext context) {
        assertThat(context).hasNotFailed();
        assertThat(publisherLogs.eventsAtLeast(Level.WARN)).isEmpty();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Database {
        @Bean
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:outbox-starter-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return h2;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnPool {
        @Bean(defaultCandidate = false)
        @OutboxDataSource
        Counting outboxDataSource(DataSource application) {
            return new Counting(application);
        }

        /** The application's database, counting the connections the outbox takes through it. */
        static final class Counting extends DelegatingDataSource {
            final AtomicInteger connections = new AtomicInteger();

            Counting(DataSource target) {
                super(target);
            }

            @Override
            public Connection getConnection() throws SQLException {
                connections.incrementAndGet();
                return super.getConnection();
            }
        }
    }

    static class Orders {
        private final TransactionalOutbox outbox;

        Orders(TransactionalOutbox outbox) {
            this.outbox = outbox;
        }

        @Transactional
        public void place(String requestId, boolean fail) {
            outbox.append(event(requestId));
            if (fail) {
                throw new IllegalStateException("rolled back");
            }
        }

        /** The orders without anyone listening for their events. */
        @Configuration(proxyBeanMethods = false)
        static class Unheard {
            @Bean
            Orders orders(TransactionalOutbox outbox) {
                return new Orders(outbox);
            }
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Orders orders(TransactionalOutbox outbox) {
                return new Orders(outbox);
            }

            @Bean
            Received received() {
                return new Received();
            }
        }
    }

    /** A transactional listener: Spring calls it only for events published inside a transaction. */
    static class AfterCommitOnly {
        @TransactionalEventListener
        public void on(OutboxMessage message) {}
    }

    /** A transactional listener that is also called for events published outside a transaction. */
    static class AfterCommitOrWithout {
        final List<OutboxMessage> messages = new CopyOnWriteArrayList<>();

        @TransactionalEventListener(fallbackExecution = true)
        public void on(OutboxMessage message) {
            messages.add(message);
        }
    }

    /** A listener for every payload event, as an audit trail might be. */
    static class EveryPayload {
        @EventListener
        public void on(Object payload) {}
    }

    static class Received {
        final List<OutboxMessage> messages = new CopyOnWriteArrayList<>();

        @EventListener
        public void on(OutboxMessage message) {
            messages.add(message);
        }
    }
}
