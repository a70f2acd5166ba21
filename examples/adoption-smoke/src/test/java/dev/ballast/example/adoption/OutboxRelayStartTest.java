package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.transaction.support.TransactionTemplate;

/** Issue 16 item 2: no background relay unless the application uses the outbox or asks for it. */
class OutboxRelayStartTest {

    private final ApplicationContextRunner app = Apps.runner()
            .withPropertyValues(
                    "spring.datasource.url=" + Apps.inMemoryH2(), "ballast.outbox.relay.poll-interval=50ms");

    @Test
    void noRelayRunsWhenNoBeanUsesTheOutbox() {
        app.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(OutboxRelay.class).isRunning()).isFalse();
        });
    }

    @Test
    void theRelayRunsAndPublishesWhenABeanInjectsTransactionalOutbox() {
        app.withUserConfiguration(Appender.class).run(context -> {
            assertThat(context.getBean(OutboxRelay.class).isRunning()).isTrue();
            context.getBean(Appender.class).append("t-1");
            Appender.Received received = context.getBean(Appender.Received.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !received.messages.isEmpty());
            assertThat(received.messages)
                    .singleElement()
                    .extracting(OutboxMessage::requestId)
                    .isEqualTo("t-1");
        });
    }

    @Test
    void relayEnabledTrueRunsItWithoutAUser() {
        app.withPropertyValues("ballast.outbox.relay.enabled=true")
                .run(context -> assertThat(context.getBean(OutboxRelay.class).isRunning())
                        .isTrue());
    }

    @Test
    void relayEnabledFalseConfiguresNoRelayEvenForAUser() {
        app.withUserConfiguration(Appender.class)
                .withPropertyValues("ballast.outbox.relay.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(OutboxRelay.class);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Appender {
        private final TransactionalOutbox outbox;
        private final TransactionTemplate transactions;

        Appender(TransactionalOutbox outbox, TransactionTemplate transactions) {
            this.outbox = outbox;
            this.transactions = transactions;
        }

        void append(String requestId) {
            transactions.executeWithoutResult(status -> outbox.append(
                    OutboxEvent.of(requestId, "Account", "A-1", "TradeBooked", "{}".getBytes(StandardCharsets.UTF_8))));
        }

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
