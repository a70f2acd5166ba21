package dev.ballast.boot.autoconfigure.outbox;

import com.rabbitmq.client.ConnectionFactory;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.inbox.InboxPurgeSchedule;
import dev.ballast.outbox.kafka.KafkaOutboxPublisher;
import dev.ballast.outbox.rabbitmq.RabbitOutboxPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.amqp.autoconfigure.RabbitConnectionDetails;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The outbox's broker publishers, selected by {@code ballast.outbox.publisher} ({@code in-process}, {@code kafka},
 * {@code rabbitmq}); when it is not set, {@code kafka} if {@code spring.kafka.bootstrap-servers} is set,
 * {@code rabbitmq} if {@code spring.rabbitmq.host} or {@code spring.rabbitmq.addresses} is, else in-process. Brokers are
 * configured only through Spring Boot's {@code spring.kafka.*} / {@code spring.rabbitmq.*}; routes under
 * {@code ballast.outbox.kafka.routes} / {@code ballast.outbox.rabbitmq.exchanges}. Runs before
 * {@link BallastOutboxAutoConfiguration}, whose in-process publisher backs off when one of these is defined. Also
 * the consumer-side {@link Inbox} when {@code ballast.outbox.inbox.consumer} is set, and the schedule that purges its
 * rows past the retention.
 */
@AutoConfiguration(
        before = BallastOutboxAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration"
        })
@EnableConfigurationProperties(BallastOutboxProperties.class)
public final class BallastOutboxDeliveryAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(BallastOutboxDeliveryAutoConfiguration.class);

    /** The inbox on the application's DataSource, with the outbox's table prefix, schema and integrity settings. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(DataSource.class)
    @ConditionalOnProperty(prefix = "ballast.outbox.inbox", name = "consumer")
    static class InboxConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Inbox ballastInbox(
                BallastOutboxProperties properties,
                DataSource dataSource,
                ObjectProvider<MeterRegistry> registry,
                ObjectProvider<AlertSink> alerts) {
            String consumer = properties.inbox().consumer();
            Inbox.Builder builder = Inbox.builder(dataSource, consumer == null ? "" : consumer)
                    .tablePrefix(properties.tablePrefix())
                    .createSchema(properties.schema().initialize().createsTablesOn(dataSource))
                    .integrity(BallastOutboxAutoConfiguration.integrity(properties.integrity()))
                    .alerts(alerts.getIfUnique(AlertSink::logging));
            InvalidBallastPropertyException.apply(
                    "ballast.outbox.inbox.retention", properties.inbox().retention(), builder::retention);
            registry.ifUnique(builder::meterRegistry);
            return builder.build();
        }

        /** Purges every Inbox bean (this one, or the application's own) every purge-interval. */
        @Bean
        @ConditionalOnMissingBean
        InboxPurgeLifecycle ballastInboxPurgeLifecycle(
                BallastOutboxProperties properties, ObjectProvider<Inbox> inboxes) {
            Duration interval = properties.inbox().purgeInterval();
            if (interval.compareTo(InboxPurgeSchedule.MIN_INTERVAL) < 0
                    || interval.compareTo(InboxPurgeSchedule.MAX_INTERVAL) > 0) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.outbox.inbox.purge-interval", interval, "must be 1s to 1d");
            }
            return new InboxPurgeLifecycle(inboxes, interval);
        }
    }

    /** Kafka, from {@code spring.kafka.*}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({KafkaOutboxPublisher.class, KafkaProperties.class})
    @Conditional(PublisherCondition.Kafka.class)
    @EnableConfigurationProperties(KafkaProperties.class)
    static class KafkaPublisherConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(OutboxPublisher.class)
        KafkaOutboxPublisher ballastKafkaOutboxPublisher(
                KafkaProperties kafka, BallastOutboxProperties properties, Environment environment) {
            Map<String, String> routes = properties.kafka().routes();
            if (routes == null || routes.isEmpty()) {
                throw InvalidBallastPropertyException.missing(
                        "ballast.outbox.kafka.routes",
                        "unset",
                        "must map each event type to a topic when the outbox publishes to Kafka",
                        "Set ballast.outbox.kafka.routes (event type: topic), e.g. ballast.outbox.kafka.routes.OrderPlaced:"
                                + " brokerage.orders, or set ballast.outbox.publisher=in-process.");
            }
            Map<String, Object> producer = kafka.buildProducerProperties();
            if (!environment.containsProperty("spring.kafka.bootstrap-servers")
                    && !environment.containsProperty("spring.kafka.producer.bootstrap-servers")) {
                log.warn(
                        "The outbox publishes to Kafka at {}: Spring Boot's default, as spring.kafka.bootstrap-servers"
                                + " is not set (set it to your brokers)",
                        producer.get("bootstrap.servers"));
            }
            try {
                return KafkaOutboxPublisher.builder(producer)
                        .routes(routes)
                        .verifyTopics(properties.kafka().verifyTopics())
                        .build();
            } catch (KafkaOutboxPublisher.InvalidSettingException e) {
                throw InvalidBallastPropertyException.invalid(springProperty(e.setting()), e.value(), e.requirement());
            } catch (KafkaOutboxPublisher.TopicCheckException e) {
                if (e.brokerUnreachable()) {
                    throw InvalidBallastPropertyException.missing(
                            "ballast.outbox.kafka.verify-topics",
                            true,
                            "needs a Kafka broker to answer at spring.kafka.bootstrap-servers=" + e.bootstrapServers()
                                    + " to check the routed topics " + e.topics() + " at start-up; none did",
                            "Start the broker or correct spring.kafka.bootstrap-servers; or set"
                                    + " ballast.outbox.kafka.verify-topics=false to start without the check (events"
                                    + " then wait in the outbox until the broker answers).");
                }
                throw InvalidBallastPropertyException.missing(
                        "ballast.outbox.kafka.routes",
                        routes,
                        "routes to Kafka topics that do not exist at " + e.bootstrapServers() + ": "
                                + e.missingTopics(),
                        "Create the topics " + e.missingTopics() + ", correct ballast.outbox.kafka.routes, or set"
                                + " ballast.outbox.kafka.verify-topics=false if the application creates them at"
                                + " start-up (a NewTopic bean).");
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IllegalStateException(
                        "Outbox Kafka publisher (spring.kafka.bootstrap-servers=" + kafka.getBootstrapServers()
                                + ", ballast.outbox.kafka.routes): " + e.getMessage(),
                        e);
            }
        }

        /** The Spring Boot property a producer setting comes from. */
        static String springProperty(String setting) {
            return switch (setting) {
                case "bootstrap.servers" -> "spring.kafka.bootstrap-servers";
                case "acks" -> "spring.kafka.producer.acks";
                default -> "spring.kafka.producer.properties." + setting;
            };
        }
    }

    /** RabbitMQ, from {@code spring.rabbitmq.*}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RabbitOutboxPublisher.class, RabbitConnectionDetails.class})
    @Conditional(PublisherCondition.Rabbit.class)
    static class RabbitPublisherConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(OutboxPublisher.class)
        RabbitOutboxPublisher ballastRabbitOutboxPublisher(
                Environment environment,
                ObjectProvider<RabbitConnectionDetails> details,
                BallastOutboxProperties properties) {
            Map<String, String> exchanges = properties.rabbitmq().exchanges();
            if (exchanges == null || exchanges.isEmpty()) {
                throw InvalidBallastPropertyException.missing(
                        "ballast.outbox.rabbitmq.exchanges",
                        "unset",
                        "must map each aggregate type to an exchange when the outbox publishes to RabbitMQ",
                        "Set ballast.outbox.rabbitmq.exchanges (aggregate type: exchange), e.g."
                                + " ballast.outbox.rabbitmq.exchanges.Order: brokerage.orders, or set"
                                + " ballast.outbox.publisher=in-process.");
            }
            ConnectionFactory factory = new ConnectionFactory();
            RabbitConnectionDetails connection = details.getIfAvailable();
            if (connection != null) {
                RabbitConnectionDetails.Address address = connection.getFirstAddress();
                factory.setHost(address.host());
                factory.setPort(address.port());
                if (connection.getUsername() != null) {
                    factory.setUsername(connection.getUsername());
                }
                if (connection.getPassword() != null) {
                    factory.setPassword(connection.getPassword());
                }
                if (connection.getVirtualHost() != null) {
                    factory.setVirtualHost(connection.getVirtualHost());
                }
            } else { // Spring Boot's RabbitMQ auto-configuration is not active: read spring.rabbitmq.* directly
                factory.setHost(environment.getProperty("spring.rabbitmq.host", "localhost"));
                factory.setPort(environment.getProperty("spring.rabbitmq.port", Integer.class, 5672));
                factory.setUsername(environment.getProperty("spring.rabbitmq.username", "guest"));
                factory.setPassword(environment.getProperty("spring.rabbitmq.password", "guest"));
                factory.setVirtualHost(environment.getProperty("spring.rabbitmq.virtual-host", "/"));
            }
            // the client's automatic recovery reconnects every 5 s by default: a relay whose outage probe tries one
            // event
            // a second still resumed up to 5 s after the broker was back (found by a black-box check); every second
            factory.setNetworkRecoveryInterval(1000);
            try {
                return RabbitOutboxPublisher.builder(factory)
                        .exchanges(exchanges)
                        .verifyExchanges(properties.rabbitmq().verifyExchanges())
                        .confirmTimeout(properties.rabbitmq().confirmTimeout())
                        .build();
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IllegalStateException(
                        "Outbox RabbitMQ publisher (spring.rabbitmq.*," + " ballast.outbox.rabbitmq.exchanges): "
                                + e.getMessage(),
                        e);
            }
        }
    }
}
