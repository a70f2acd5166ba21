package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * Auto-configures the outbox on the application's DataSource: {@link Outbox}, {@link TransactionalOutbox} for appends
 * in Spring transactions, an in-process {@link OutboxPublisher} (each message becomes a Spring application event of
 * type {@link dev.ballast.outbox.OutboxMessage}) unless the application defines one, and a relay started with the
 * context when the application uses the outbox (see {@link OutboxRelayLifecycle}). The tables are created at start-up
 * as {@code ballast.outbox.schema.initialize} says (default: on an in-memory database only). Off with {@code
 * ballast.outbox.enabled=false}.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration"
        })
@ConditionalOnClass({Outbox.class, DataSourceUtils.class})
@ConditionalOnBean(DataSource.class)
@ConditionalOnProperty(prefix = "ballast.outbox", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BallastOutboxProperties.class)
public final class BallastOutboxAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    Outbox ballastOutbox(
            BallastOutboxProperties properties,
            DataSource dataSource,
            ObjectProvider<MeterRegistry> registry,
            ObjectProvider<AlertSink> alerts) {
        Outbox.Builder builder = Outbox.builder(dataSource)
                .tablePrefix(properties.tablePrefix())
                .createSchema(properties.schema().initialize().createsTablesOn(dataSource))
                .maxPayloadBytes(payloadBytes(properties))
                .integrity(integrity(properties.integrity()))
                .alerts(alerts.getIfUnique(AlertSink::logging));
        registry.ifUnique(builder::meterRegistry);
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean
    TransactionalOutbox ballastTransactionalOutbox(Outbox outbox, DataSource dataSource) {
        return new TransactionalOutbox(outbox, dataSource);
    }

    @Bean
    @ConditionalOnMissingBean
    OutboxPublisher ballastOutboxPublisher(ApplicationEventPublisher events, Environment environment) {
        String selected = PublisherCondition.selected(environment);
        if (!selected.equals("in-process")) { // the broker's configuration did not apply: its classes are missing
            throw new IllegalStateException(PublisherCondition.PROPERTY + " selects " + selected + ", but "
                    + (selected.equals("kafka")
                            ? "ballast-outbox-kafka and spring-boot-kafka (spring-boot-starter-kafka)"
                            : "ballast-outbox-rabbitmq and spring-boot-amqp (spring-boot-starter-amqp)")
                    + " are not both on the classpath");
        }
        return OutboxPublisher.inProcess(events::publishEvent);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "ballast.outbox.relay", name = "enabled", matchIfMissing = true)
    OutboxRelay ballastOutboxRelay(
            Outbox outbox,
            OutboxPublisher publisher,
            BallastOutboxProperties properties,
            ObjectProvider<ExceptionClassifier> classifier) {
        BallastOutboxProperties.Relay relay = properties.relay();
        return outbox.relay(publisher)
                .threads(relay.threads())
                .batchAggregates(relay.batchAggregates())
                .maxPerAggregate(relay.maxPerAggregate())
                .maxAttempts(relay.maxAttempts())
                .backoff(relay.backoffBase(), relay.backoffCap())
                .lease(relay.lease())
                .pollInterval(relay.pollInterval())
                .headOfLine(relay.headOfLine())
                .retention(relay.retention())
                .housekeepingInterval(relay.housekeepingInterval())
                .listen(relay.listen())
                .deadLetterFile(relay.deadLetterFile())
                .shutdownTimeout(relay.shutdownTimeout())
                .classifier(classifier.getIfUnique(ExceptionClassifier::defaults))
                .build();
    }

    @Bean
    @ConditionalOnBean(OutboxRelay.class)
    @ConditionalOnMissingBean
    OutboxRelayLifecycle ballastOutboxRelayLifecycle(
            OutboxRelay relay, BallastOutboxProperties properties, ConfigurableListableBeanFactory beans) {
        return new OutboxRelayLifecycle(relay, properties.relay().enabled(), beans);
    }

    private static int payloadBytes(BallastOutboxProperties properties) {
        long bytes = properties.maxPayload().toBytes();
        if (bytes < 1 || bytes > 64L << 20) {
            throw new IllegalArgumentException(
                    "ballast.outbox.max-payload must be 1B to 64MB, was " + properties.maxPayload());
        }
        return (int) bytes;
    }

    static Integrity integrity(BallastOutboxProperties.Integrity settings) {
        if (settings.mode() == BallastOutboxProperties.Integrity.Mode.SHA256) {
            return Integrity.sha256();
        }
        if (settings.currentKeyVersion() == null
                || settings.keys() == null
                || settings.keys().isEmpty()) {
            throw new IllegalArgumentException("ballast.outbox.integrity.mode=HMAC needs"
                    + " ballast.outbox.integrity.current-key-version and ballast.outbox.integrity.keys.<version>");
        }
        Map<Integer, byte[]> keys = new HashMap<>();
        settings.keys().forEach((version, base64) -> {
            try {
                keys.put(version, Base64.getDecoder().decode(base64.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "ballast.outbox.integrity.keys." + version + " is not valid Base64 (value not shown)");
            }
        });
        try {
            return Integrity.hmacSha256(settings.currentKeyVersion(), keys);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ballast.outbox.integrity: " + e.getMessage());
        }
    }
}
