package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.boot.internal.InstanceName;
import dev.ballast.boot.internal.diagnostics.BallastTables;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.boot.internal.diagnostics.MissingBallastTablesException;
import dev.ballast.boot.internal.diagnostics.StartupProblems;
import dev.ballast.boot.outbox.OutboxDataSource;
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
import java.util.TreeSet;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * Auto-configures the outbox on the application's DataSource: {@link Outbox}, {@link TransactionalOutbox} for appends
 * in Spring transactions (the relay, housekeeping, dead letters and status on an {@link OutboxDataSource} when the
 * application declares one), an in-process {@link OutboxPublisher} (each message becomes a Spring application event of
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
            @OutboxDataSource ObjectProvider<DataSource> outboxDataSource,
            ObjectProvider<MeterRegistry> registry,
            ObjectProvider<AlertSink> alerts) {
        DataSource own = outboxDataSource.getIfAvailable(() -> dataSource);
        Outbox.Builder builder = Outbox.builder(own);
        InvalidBallastPropertyException.apply(
                "ballast.outbox.table-prefix", properties.tablePrefix(), builder::tablePrefix);
        InvalidBallastPropertyException.apply(
                "ballast.outbox.network-timeout", properties.networkTimeout(), builder::networkTimeout);
        builder.createSchema(properties.schema().initialize().createsTablesOn(own))
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
    OutboxPublisher ballastOutboxPublisher(ApplicationContext context, Environment environment) {
        String selected = PublisherCondition.selected(environment);
        if (!selected.equals("in-process")) { // the broker's configuration did not apply: its classes are missing
            throw new IllegalStateException(PublisherCondition.PROPERTY + " selects " + selected + ", but "
                    + (selected.equals("kafka")
                            ? "ballast-outbox-kafka and spring-boot-kafka (spring-boot-starter-kafka)"
                            : "ballast-outbox-rabbitmq and spring-boot-amqp (spring-boot-starter-amqp)")
                    + " are not both on the classpath");
        }
        return new ApplicationEventsPublisher(context);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "ballast.outbox.relay", name = "enabled", matchIfMissing = true)
    OutboxRelay ballastOutboxRelay(
            Outbox outbox,
            OutboxPublisher publisher,
            BallastOutboxProperties properties,
            ObjectProvider<ExceptionClassifier> classifier,
            Environment environment) {
        BallastOutboxProperties.Relay relay = properties.relay();
        OutboxRelay.Builder builder = outbox.relay(publisher).owner(InstanceName.of(environment));
        String prefix = "ballast.outbox.relay.";
        InvalidBallastPropertyException.apply(prefix + "threads", relay.threads(), builder::threads);
        InvalidBallastPropertyException.apply(
                prefix + "batch-aggregates", relay.batchAggregates(), builder::batchAggregates);
        InvalidBallastPropertyException.apply(
                prefix + "max-per-aggregate", relay.maxPerAggregate(), builder::maxPerAggregate);
        InvalidBallastPropertyException.apply(prefix + "max-attempts", relay.maxAttempts(), builder::maxAttempts);
        InvalidBallastPropertyException.apply(
                prefix + "backoff-base", relay.backoffBase(), base -> builder.backoff(base, base));
        if (relay.backoffCap().compareTo(relay.backoffBase()) < 0) {
            throw InvalidBallastPropertyException.invalid(
                    prefix + "backoff-cap",
                    relay.backoffCap(),
                    "must not be below ballast.outbox.relay.backoff-base ("
                            + InvalidBallastPropertyException.display(relay.backoffBase()) + ")");
        }
        builder.backoff(relay.backoffBase(), relay.backoffCap());
        InvalidBallastPropertyException.apply(prefix + "lease", relay.lease(), builder::lease);
        InvalidBallastPropertyException.apply(prefix + "poll-interval", relay.pollInterval(), builder::pollInterval);
        builder.headOfLine(relay.headOfLine());
        InvalidBallastPropertyException.apply(prefix + "retention", relay.retention(), builder::retention);
        if (relay.requestRetention() != null) {
            InvalidBallastPropertyException.apply(
                    prefix + "request-retention", relay.requestRetention(), builder::requestRetention);
        }
        InvalidBallastPropertyException.apply(
                prefix + "housekeeping-interval", relay.housekeepingInterval(), builder::housekeepingInterval);
        InvalidBallastPropertyException.apply(
                prefix + "shutdown-timeout", relay.shutdownTimeout(), builder::shutdownTimeout);
        return builder.listen(relay.listen())
                .deadLetterFile(relay.deadLetterFile())
                .classifier(classifier.getIfUnique(ExceptionClassifier::defaults))
                .build();
    }

    @Bean
    @ConditionalOnBean(OutboxRelay.class)
    @ConditionalOnMissingBean
    OutboxRelayLifecycle ballastOutboxRelayLifecycle(
            OutboxRelay relay,
            BallastOutboxProperties properties,
            OutboxUsage usage,
            ObjectProvider<OutboxPublisher> publisher) {
        return new OutboxRelayLifecycle(relay, properties.relay().enabled(), usage, publisher.getIfUnique());
    }

    @Bean
    @ConditionalOnMissingBean
    OutboxUsage ballastOutboxUsage(BallastOutboxProperties properties, ConfigurableListableBeanFactory beans) {
        return new OutboxUsage(properties.relay().enabled(), beans);
    }

    /**
     * Fails start-up, as Spring Boot's own schema validation does, when the application uses the outbox ({@link
     * OutboxUsage}) and its tables are not there; an application that does not use it starts without them. Run once the
     * singletons exist by {@link StartupProblems}, whose one report also names the lock tables when they are missing.
     */
    @Bean
    @ConditionalOnMissingBean(name = "ballastOutboxTablesCheck")
    StartupProblems.TablesCheck ballastOutboxTablesCheck(
            BallastOutboxProperties properties, DataSource dataSource, OutboxUsage usage) {
        return () -> {
            if (properties.schema().initialize().createsTablesOn(dataSource) || !usage.inUse()) {
                return null;
            }
            BallastTables tables = BallastTables.check(dataSource, Outbox.tableNames(properties.tablePrefix()));
            return tables.complete()
                    ? null
                    : MissingBallastTablesException.outbox(tables, usage.why(), properties.tablePrefix());
        };
    }

    /** Gathers start-up problems so one report names all of a kind (shared with the executor and lock). */
    @Bean
    @ConditionalOnMissingBean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static StartupProblems ballastStartupProblems(ObjectProvider<StartupProblems.TablesCheck> checks) {
        return new StartupProblems(checks);
    }

    private static int payloadBytes(BallastOutboxProperties properties) {
        long bytes = properties.maxPayload().toBytes();
        if (bytes < 1 || bytes > 64L << 20) {
            throw InvalidBallastPropertyException.invalid(
                    "ballast.outbox.max-payload", properties.maxPayload(), "must be 1B to 64MB");
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
            throw InvalidBallastPropertyException.missing(
                    "ballast.outbox.integrity.mode",
                    "HMAC",
                    "needs ballast.outbox.integrity.current-key-version and ballast.outbox.integrity.keys.<version>",
                    "Set ballast.outbox.integrity.keys.<version> (Base64 of at least 32 random bytes, e.g. `openssl"
                            + " rand -base64 32`, from your secret store) and ballast.outbox.integrity.current-key-version"
                            + " to that version; or set ballast.outbox.integrity.mode=SHA256.");
        }
        Map<Integer, byte[]> keys = new HashMap<>();
        settings.keys().forEach((version, base64) -> {
            String property = "ballast.outbox.integrity.keys." + version;
            byte[] key;
            try {
                key = Base64.getDecoder().decode(base64.trim());
            } catch (IllegalArgumentException e) {
                throw InvalidBallastPropertyException.secret(property, "is not valid Base64");
            }
            if (key.length < Integrity.MIN_KEY_BYTES) {
                throw InvalidBallastPropertyException.secret(
                        property, "must be at least " + Integrity.MIN_KEY_BYTES + " bytes once Base64-decoded");
            }
            keys.put(version, key);
        });
        if (!keys.containsKey(settings.currentKeyVersion())) {
            throw InvalidBallastPropertyException.invalid(
                    "ballast.outbox.integrity.current-key-version",
                    settings.currentKeyVersion(),
                    "must be the version of one of ballast.outbox.integrity.keys.<version>: "
                            + new TreeSet<>(keys.keySet()));
        }
        return Integrity.hmacSha256(settings.currentKeyVersion(), keys);
    }
}
