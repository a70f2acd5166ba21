package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.action.ActionLedger;
import dev.ballast.alert.action.ActionOperation;
import dev.ballast.alert.action.ActionService;
import dev.ballast.alert.action.ActionSigner;
import dev.ballast.alert.action.AnnouncedAddresses;
import dev.ballast.alert.action.InMemoryActionLedger;
import dev.ballast.alert.action.JdbcActionLedger;
import dev.ballast.alert.alertmanager.AlertmanagerWebhook;
import dev.ballast.alert.rules.AlertRules;
import dev.ballast.alert.rules.CacheBreakerRule;
import dev.ballast.alert.rules.DeadLetterRule;
import dev.ballast.alert.rules.LockLeaseLostRule;
import dev.ballast.alert.rules.OutboxBacklogRule;
import dev.ballast.alert.rules.PoolSaturationRule;
import dev.ballast.alert.rules.TaskErrorRatioRule;
import dev.ballast.boot.autoconfigure.outbox.OutboxUsage;
import dev.ballast.boot.autoconfigure.web.BallastProblemHandler;
import dev.ballast.boot.internal.InstanceName;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.cache.TieredCache;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The parts of alerting that need the other modules: the built-in rules over the application's meters, and signed
 * actions with their built-in operations (replay dead letters, pause/resume the relay, open/close a cache's Redis
 * breaker, move the resilient lock mode, resize an executor pool) and
 * their pages; the {@code ballastsilences} actuator endpoint. Actions are off unless {@code ballast.alert.actions.enabled} and a signing key are set.
 */
@AutoConfiguration(
        after = BallastAlertAutoConfiguration.class,
        afterName = {
            "dev.ballast.boot.autoconfigure.outbox.BallastOutboxAutoConfiguration",
            "dev.ballast.boot.autoconfigure.cache.BallastCacheAutoConfiguration",
            "dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(AlertRouter.class)
@ConditionalOnBean(AlertRouter.class)
public final class BallastAlertActionsAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(BallastAlertActionsAutoConfiguration.class);

    /** How old the copy of the instances' addresses may get before a signing reads it again in the background. */
    private static final Duration ADDRESSES_MAX_AGE = Duration.ofSeconds(30);

    /**
     * {@code /actuator/ballastsilences}. Here, not in {@link BallastAlertAutoConfiguration}: a nested class there is
     * read before that class's own router bean, so a condition on the router never matched and the endpoint was
     * missing.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    static class SilencesActuator {

        @Bean
        @ConditionalOnMissingBean
        SilencesEndpoint ballastSilencesEndpoint(AlertRouter router) {
            return new SilencesEndpoint(router);
        }
    }

    /** The built-in rules. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(MeterRegistry.class)
    @ConditionalOnProperty(prefix = "ballast.alert.rules", name = "enabled", matchIfMissing = true)
    static class Rules {

        @Bean(initMethod = "start", destroyMethod = "close")
        @ConditionalOnMissingBean
        AlertRules ballastAlertRules(
                MeterRegistry registry,
                AlertSink sink,
                BallastAlertProperties properties,
                ObjectProvider<Outbox> outbox,
                ObjectProvider<OutboxUsage> usage,
                @Qualifier(BallastAlertAutoConfiguration.CLOCK_BEAN) ObjectProvider<Clock> clock,
                Environment environment) {
            BallastAlertProperties.Rules rules = properties.rules();
            try {
                return AlertRules.builder(registry, sink)
                        .clock(clock.getIfAvailable(Clock::systemUTC))
                        .interval(rules.interval())
                        .rule(new PoolSaturationRule(
                                rules.poolSaturation(), rules.poolSaturationFor(), InstanceName.of(environment)))
                        .rule(new OutboxBacklogRule(rules.outboxPendingAgeWarning(), rules.outboxPendingAgeCritical()))
                        .rule(new DeadLetterRule(deadLetterCount(outbox.getIfUnique(), usage.getIfUnique())))
                        .rule(new CacheBreakerRule())
                        .rule(new LockLeaseLostRule(rules.lockLeaseLostQuiet()))
                        .rule(new TaskErrorRatioRule(rules.taskErrorRatio(), rules.taskErrorMinCalls()))
                        .build();
            } catch (IllegalArgumentException e) {
                throw InvalidBallastPropertyException.secret("ballast.alert.rules", e.getMessage());
            }
        }

        /** The outbox's unresolved dead letters; 0 without reading the tables while the application does not use it. */
        private static @Nullable LongSupplier deadLetterCount(@Nullable Outbox outbox, @Nullable OutboxUsage usage) {
            if (outbox == null) {
                return null;
            }
            return () -> {
                if (usage != null && !usage.inUse()) {
                    return 0;
                }
                try {
                    return outbox.deadLetters().count();
                } catch (SQLException e) {
                    throw new IllegalStateException("Cannot count dead letters: " + e.getMessage(), e);
                }
            };
        }
    }

    /** Signed actions. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "ballast.alert.actions", name = "enabled", havingValue = "true")
    static class Actions {

        @Bean
        @ConditionalOnMissingBean
        ActionSigner ballastActionSigner(
                BallastAlertProperties properties,
                ObjectProvider<ActionOperation> operations,
                @Qualifier(BallastAlertAutoConfiguration.CLOCK_BEAN) ObjectProvider<Clock> clock,
                Environment environment,
                ActionLedger ledger) {
            BallastAlertProperties.Actions actions = properties.actions();
            String prefix = "ballast.alert.actions.";
            if (actions.keys() == null || actions.keys().isEmpty()) {
                throw InvalidBallastPropertyException.secret(
                        prefix + "keys", "actions are enabled but no signing key is set");
            }
            Map<String, byte[]> keys = new HashMap<>();
            actions.keys().forEach((id, value) -> {
                byte[] key;
                try {
                    key = Base64.getDecoder().decode(value.trim());
                } catch (IllegalArgumentException e) {
                    throw InvalidBallastPropertyException.secret(prefix + "keys." + id, "not Base64 (value not shown)");
                }
                if (key.length < 32) {
                    throw InvalidBallastPropertyException.secret(
                            prefix + "keys." + id,
                            "shorter than 32 bytes once Base64-decoded (value not shown); make one with"
                                    + " `openssl rand -base64 32`");
                }
                keys.put(id, key);
            });
            String current = actions.currentKey() != null
                    ? actions.currentKey()
                    : keys.size() == 1 ? keys.keySet().iterator().next() : null;
            if (current == null) {
                throw InvalidBallastPropertyException.secret(
                        prefix + "current-key", "missing; needed with several keys");
            }
            if (actions.baseUrl() == null || actions.baseUrl().isBlank()) {
                throw InvalidBallastPropertyException.secret(
                        prefix + "base-url", "missing; links need the service's address");
            }
            Clock time = clock.getIfAvailable(Clock::systemUTC);
            String instance = InstanceName.of(environment);
            if (!AlertmanagerWebhook.carries(instance)) {
                log.warn(
                        "ballast.instance-name '{}' has characters an Alertmanager annotation's action_arguments cannot"
                                + " carry: the buttons Prometheus rules bind to this instance (Raise the pool) are left"
                                + " out of their messages. Use letters, digits, '.', '_', ':', '@', '-' and inner spaces",
                        instance);
            }
            AnnouncedAddresses addresses = new AnnouncedAddresses(ledger, time, ADDRESSES_MAX_AGE);
            ActionSigner signer;
            URI baseUrl;
            try {
                baseUrl = URI.create(actions.baseUrl().trim());
            } catch (IllegalArgumentException e) {
                throw InvalidBallastPropertyException.secret(
                        prefix + "base-url", "must be an absolute http(s) URL such as https://orders.example.com");
            }
            if (!ActionSigner.isBaseUrl(baseUrl)) {
                throw InvalidBallastPropertyException.secret(
                        prefix + "base-url",
                        baseUrl.getRawUserInfo() != null
                                ? "must not carry a user name or password: every link in every chat message would"
                                        + " show it"
                                : "must be an absolute http(s) URL such as https://orders.example.com");
            }
            try {
                signer = new ActionSigner(
                        keys,
                        current,
                        baseUrl,
                        actions.ttl(),
                        time,
                        name -> operations
                                .orderedStream()
                                .anyMatch(operation -> operation.name().equals(name)),
                        instance,
                        name -> operations
                                .orderedStream()
                                .anyMatch(operation -> operation.name().equals(name) && operation.perInstance()),
                        addresses);
            } catch (IllegalArgumentException e) {
                throw InvalidBallastPropertyException.secret(prefix.substring(0, prefix.length() - 1), e.getMessage());
            }
            // where this instance answers, for links to it that another instance signs (Alertmanager's buttons)
            try {
                ledger.announce(instance, signer.baseUrl(), time.instant());
                addresses.refresh();
            } catch (RuntimeException e) {
                log.warn(
                        "Could not record where instance '{}' answers action links ({}): links to it that another"
                                + " instance signs point at that instance's own address until it restarts",
                        instance,
                        e.toString());
            }
            return signer;
        }

        /**
         * {@code ballast.instance} ({@code ballast_instance} in Prometheus): 1, tagged {@code instance_name} with the
         * name links to per-instance operations are bound to. The shipped rule for a saturated pool joins it on {@code
         * (job, instance)} so that its "Raise the pool" button acts on the instance the alert is about.
         */
        @Bean
        @ConditionalOnMissingBean(name = "ballastInstanceMeter")
        MeterBinder ballastInstanceMeter(ActionSigner signer) {
            return registry -> signer.instance().ifPresent(name -> Gauge.builder("ballast.instance", () -> 1)
                    .description("1; instance_name is the ballast.instance-name that action links to"
                            + " per-instance operations are bound to")
                    .tag("instance_name", name)
                    .register(registry));
        }

        @Bean
        @ConditionalOnMissingBean
        ActionLedger ballastActionLedger(ObjectProvider<DataSource> dataSource) {
            DataSource database = dataSource.getIfUnique();
            return database != null ? new JdbcActionLedger(database, "ballast_") : new InMemoryActionLedger();
        }

        @Bean
        @ConditionalOnMissingBean
        ActionService ballastActionService(
                ActionSigner signer,
                ObjectProvider<ActionOperation> operations,
                ActionLedger ledger,
                AlertSink sink,
                @Qualifier(BallastAlertAutoConfiguration.CLOCK_BEAN) ObjectProvider<Clock> clock) {
            List<ActionOperation> all = operations.orderedStream().toList();
            return new ActionService(
                    signer, ActionService.byName(all), ledger, sink, clock.getIfAvailable(Clock::systemUTC));
        }

        @Bean
        @ConditionalOnMissingBean(name = "ballastResizePoolOperation")
        ActionOperation ballastResizePoolOperation(ListableBeanFactory beans, BallastAlertProperties properties) {
            return new ResizePoolOperation(beans, properties.actions().poolMaxLimit());
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(TieredCache.class)
        static class CacheOperations {

            @Bean
            @ConditionalOnMissingBean(name = "ballastCacheBreakerOperation")
            ActionOperation ballastCacheBreakerOperation(ListableBeanFactory beans) {
                return new CacheBreakerOperation(beans);
            }
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(ResilientLockStrategy.class)
        static class LockOperations {

            @Bean
            @ConditionalOnBean(LockStrategy.class)
            @ConditionalOnMissingBean(name = "ballastLockModeOperation")
            ActionOperation ballastLockModeOperation(ObjectProvider<LockStrategy> locks) {
                return new LockModeOperation(locks);
            }
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(Outbox.class)
        static class OutboxOperations {

            @Bean
            @ConditionalOnBean(Outbox.class)
            @ConditionalOnMissingBean(name = "ballastReplayDeadLettersOperation")
            ActionOperation ballastReplayDeadLettersOperation(Outbox outbox) {
                return new ReplayDeadLettersOperation(outbox);
            }

            @Bean
            @ConditionalOnBean(OutboxRelay.class)
            @ConditionalOnMissingBean(name = "ballastPauseRelayOperation")
            ActionOperation ballastPauseRelayOperation(OutboxRelay relay) {
                return new RelayOperation(relay, true);
            }

            @Bean
            @ConditionalOnBean(OutboxRelay.class)
            @ConditionalOnMissingBean(name = "ballastResumeRelayOperation")
            ActionOperation ballastResumeRelayOperation(OutboxRelay relay) {
                return new RelayOperation(relay, false);
            }
        }

        /** {@code /actuator/ballastactions}: signed links to operations no alert offers. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(Endpoint.class)
        static class ActionsActuator {

            @Bean
            @ConditionalOnMissingBean
            ActionsEndpoint ballastActionsEndpoint(ActionSigner signer, ObjectProvider<ActionOperation> operations) {
                return new ActionsEndpoint(
                        signer, ActionService.byName(operations.orderedStream().toList()));
            }
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
        @ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
        static class Web {

            @Bean
            @ConditionalOnMissingBean
            ActionController ballastActionController(
                    ActionService actions,
                    BallastAlertProperties properties,
                    ObjectProvider<BallastProblemHandler> problems) {
                return new ActionController(
                        actions, properties.service(), properties.actions().role(), problems.getIfUnique());
            }
        }
    }
}
