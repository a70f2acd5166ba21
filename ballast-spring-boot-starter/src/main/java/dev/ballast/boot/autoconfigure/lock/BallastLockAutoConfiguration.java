package dev.ballast.boot.autoconfigure.lock;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import dev.ballast.lock.redis.RedisLockStrategies;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

/**
 * Auto-configures a {@link LockStrategy} (JDBC table on the application's DataSource, in-JVM, Redis on the
 * application's {@code RedisClient}, or the resilient Redis-then-database chain) and the {@link
 * dev.ballast.boot.DistributedLock} annotation. Backs off when the application defines its own LockStrategy. The JDBC
 * tables are created at start-up as {@code ballast.lock.jdbc.schema.initialize} says (default: on an in-memory database
 * only). Off with {@code ballast.lock.enabled=false}.
 */
@AutoConfiguration(
        after = {BallastExecutorAutoConfiguration.class, BallastRedisAutoConfiguration.class},
        afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass(LockStrategy.class)
@ConditionalOnProperty(prefix = "ballast.lock", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BallastLockProperties.class)
public final class BallastLockAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    LockStrategy ballastLockStrategy(
            BallastLockProperties properties,
            ObjectProvider<DataSource> dataSource,
            ObjectProvider<RedisClient> redisClient,
            ObjectProvider<LockListener> listener, // user listeners and the metrics listener
            ObjectProvider<AlertSink> alerts) {
        LockListener lockListener = LockListener.all(listener.orderedStream().toList());
        AlertSink alertSink = alerts.getIfUnique(AlertSink::logging);
        DataSource database = dataSource.getIfUnique();
        BallastLockProperties.Backend backend = properties.backend();
        BallastLockProperties.Jdbc jdbc = properties.jdbc();
        switch (backend) {
            case LOCAL -> {
                return LocalLockStrategies.create(lockListener, alertSink);
            }
            case AUTO -> {
                RedisClient client = redisClient.getIfUnique();
                if (client != null && database != null) {
                    return resilient(properties, client, database, lockListener, alertSink);
                }
                if (client != null) {
                    return RedisLockStrategies.create(client, lockListener, alertSink);
                }
                return database == null
                        ? LocalLockStrategies.create(lockListener, alertSink)
                        : JdbcLockStrategies.create(
                                database, jdbc.tablePrefix(), createTables(jdbc, database), lockListener, alertSink);
            }
            case JDBC -> {
                DataSource required = require(database, backend, "a single DataSource bean");
                return JdbcLockStrategies.create(
                        required, jdbc.tablePrefix(), createTables(jdbc, required), lockListener, alertSink);
            }
            case REDIS -> {
                return RedisLockStrategies.create(
                        require(redisClient.getIfUnique(), backend, "a single Lettuce RedisClient bean"),
                        lockListener,
                        alertSink);
            }
            case RESILIENT -> {
                RedisClient client = require(redisClient.getIfUnique(), backend, "a single Lettuce RedisClient bean");
                DataSource fallbackDatabase = require(database, backend, "a single DataSource bean");
                return resilient(properties, client, fallbackDatabase, lockListener, alertSink);
            }
            default -> throw new IllegalStateException("Unknown ballast.lock.backend " + backend);
        }
    }

    /**
     * The resilient chain. The listeners hear it once, under backend {@code resilient}; the inner Redis and JDBC
     * strategies get none (the chain reports their waits, holds and lease losses), only the alert sink.
     */
    private static LockStrategy resilient(
            BallastLockProperties properties,
            RedisClient client,
            DataSource database,
            LockListener lockListener,
            AlertSink alertSink) {
        BallastLockProperties.Jdbc jdbc = properties.jdbc();
        BallastLockProperties.Resilient settings = properties.resilient();
        boolean createTables = createTables(jdbc, database);
        return ResilientLockStrategy.builder(
                        RedisLockStrategies.builder(client, settings.reconnectDelay())
                                .alerts(alertSink)
                                .build(),
                        JdbcLockStrategies.builder(database, jdbc.tablePrefix(), createTables)
                                .alerts(alertSink)
                                .build(),
                        database)
                .tablePrefix(jdbc.tablePrefix())
                .createTable(createTables)
                .maxLease(settings.maxLease())
                .refreshInterval(settings.refreshInterval())
                .failureThreshold(settings.failureThreshold())
                .probeInterval(settings.probeInterval())
                .probeSuccesses(settings.probeSuccesses())
                .listener(lockListener)
                .alerts(alertSink)
                .build();
    }

    private static boolean createTables(BallastLockProperties.Jdbc jdbc, DataSource database) {
        return jdbc.schema().initialize().createsTablesOn(database);
    }

    private static <T> T require(@Nullable T dependency, BallastLockProperties.Backend backend, String what) {
        if (dependency == null) {
            throw new IllegalStateException(
                    "ballast.lock.backend=" + backend + " needs " + what + ", and the application has none");
        }
        return dependency;
    }

    /** Lock metrics; this class is only loaded when Micrometer is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean(name = "ballastLockMetrics")
        LockListener ballastLockMetrics(ObjectProvider<MeterRegistry> registry) {
            MeterRegistry meters = registry.getIfUnique();
            return meters == null ? LockListener.none() : LockMetrics.create(meters);
        }

        /** The meters alert rules watch exist from start-up, at 0 (see docs/metrics.md). */
        @Bean
        @ConditionalOnMissingBean(name = "ballastLockMetricsAtZero")
        SmartInitializingSingleton ballastLockMetricsAtZero(
                ObjectProvider<LockStrategy> locks, ObjectProvider<MeterRegistry> registry) {
            return () -> {
                LockStrategy strategy = locks.getIfUnique();
                MeterRegistry meters = registry.getIfUnique();
                if (strategy != null && meters != null) {
                    if (strategy instanceof ResilientLockStrategy) {
                        LockMetrics.create(meters).registerAtZero(strategy.backend(), "redis", "jdbc");
                    } else {
                        LockMetrics.create(meters).registerAtZero(strategy.backend());
                    }
                }
            };
        }
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static DistributedLockAdvisor ballastDistributedLockAdvisor(ObjectProvider<LockStrategy> locks) {
        return new DistributedLockAdvisor(locks);
    }
}
