package dev.ballast.boot.autoconfigure.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.kafka.KafkaOutboxPublisher;
import dev.ballast.test.LogCapture;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Publisher selection and broker settings; no broker is contacted (Kafka producers connect lazily). */
class BallastOutboxDeliveryAutoConfigurationTest {

    @RegisterExtension
    final LogCapture log = LogCapture.of(BallastOutboxDeliveryAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    BallastOutboxDeliveryAutoConfiguration.class, BallastOutboxAutoConfiguration.class))
            .withUserConfiguration(Database.class)
            .withPropertyValues("ballast.outbox.relay.enabled=false");

    @Test
    void withoutBrokerPropertiesTheEmbeddedDefaultStaysInProcess() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(OutboxPublisher.class);
            assertThat(context).doesNotHaveBean(KafkaOutboxPublisher.class);
            assertThat(context).doesNotHaveBean(Inbox.class);
        });
    }

    @Test
    void kafkaBootstrapServersSelectTheKafkaPublisherBuiltFromSpringKafkaSettings() {
        runner.withPropertyValues(
                        "spring.kafka.bootstrap-servers=127.0.0.1:1",
                        "ballast.outbox.kafka.routes.OrderPlaced=brokerage.orders",
                        "ballast.outbox.kafka.verify-topics=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(OutboxPublisher.class)).isInstanceOf(KafkaOutboxPublisher.class);
                });
    }

    @Test
    void kafkaChosenWithoutBootstrapServersSaysOnceThatItUsesSpringBootsDefault() {
        runner.withPropertyValues(
                        "ballast.outbox.publisher=kafka",
                        "ballast.outbox.kafka.routes.OrderPlaced=brokerage.orders",
                        "ballast.outbox.kafka.verify-topics=false")
                .run(context -> assertThat(context).hasNotFailed());
        runner.withPropertyValues(
                        "spring.kafka.bootstrap-servers=127.0.0.1:1",
                        "ballast.outbox.kafka.routes.OrderPlaced=brokerage.orders",
                        "ballast.outbox.kafka.verify-topics=false")
                .run(context -> assertThat(context).hasNotFailed());

        assertThat(log.eventsAtLeast(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("The outbox publishes to Kafka at [localhost:9092]: Spring Boot's default, as"
                        + " spring.kafka.bootstrap-servers is not set (set it to your brokers)");
    }

    @Test
    void kafkaWithoutRoutesFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.outbox.publisher=kafka", "spring.kafka.bootstrap-servers=127.0.0.1:1")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ballast.outbox.kafka.routes"));
    }

    @Test
    void aProducerSettingThatBreaksOrderFailsStartUpNamingIt() {
        runner.withPropertyValues(
                        "spring.kafka.bootstrap-servers=127.0.0.1:1",
                        "spring.kafka.producer.acks=1",
                        "ballast.outbox.kafka.routes.OrderPlaced=brokerage.orders",
                        "ballast.outbox.kafka.verify-topics=false")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("acks must be all")
                        .hasStackTraceContaining("spring.kafka.producer"));
    }

    @Test
    void anUnknownPublisherOrTwoBrokersWithoutAChoiceFailStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.outbox.publisher=carrier-pigeon").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.outbox.publisher must be in-process, kafka or rabbitmq"));
        runner.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:1", "spring.rabbitmq.host=127.0.0.1")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining(
                                "ballast.outbox.publisher must be set to kafka or rabbitmq when both"));
    }

    @Test
    void rabbitmqWithoutExchangesFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.outbox.publisher=rabbitmq")
                .run(context ->
                        assertThat(context).getFailure().hasStackTraceContaining("ballast.outbox.rabbitmq.exchanges"));
    }

    @Test
    void anInboxExistsWhenAConsumerIsNamed() {
        runner.withPropertyValues("ballast.outbox.inbox.consumer=settlement").run(context -> {
            assertThat(context).hasSingleBean(Inbox.class);
            assertThat(context.getBean(Inbox.class).consumer()).isEqualTo("settlement");
            assertThat(context).as("and its purge schedule").hasSingleBean(InboxPurgeLifecycle.class);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class Database {
        @Bean
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:delivery-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return h2;
        }
    }
}
