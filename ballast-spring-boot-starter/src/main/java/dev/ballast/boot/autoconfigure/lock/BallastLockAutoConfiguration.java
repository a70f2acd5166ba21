package dev.ballast.boot.autoconfigure.lock;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.boot.internal.InstanceName;
import dev.ballast.boot.internal.diagnostics.BallastTables;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.boot.internal.diagnostics.MissingBallastTablesException;
import dev.ballast.boot.internal.diagnostics.StartupProblems;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import dev.ballast.lock.redis.RedisLockStrategies;
import dev.ballast.lock.redis.RedisLockStrategyBuilder;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import org.springframework.core.env.Environment;

/**
 * Auto-configures a {@link LockStrategy} (JDBC table on the application's DataSource, in-JVM, Redis on the
 * application's Lettuce client, standalone, Sentinel or Cluster, or the resilient Redis-then-database chain) and the {@link
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

    private static final Logger log = LoggerFactory.getLogger(BallastLockAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    LockStrategy ballastLockStrategy(
            BallastLockProperties properties,
            ObjectProvider<DataSource> dataSource,
            ObjectProvider<AbstractRedisClient> redisClient,
            ObjectProvider<LockListener> listener, // user listeners and the metrics listener
            ObjectProvider<AlertSink> alerts,
            ObjectProvider<StartupProblems> problems,
            Environment environment) {
        String instanceName = InstanceName.of(environment);
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
                AbstractRedisClient client = redisClient.getIfUnique();
                if (client != null && database != null) {
                    MissingBallastTablesException missing = missingTables(
                            jdbc,
                            database,
                            true,
                            "ballast.lock.backend=AUTO resolved to RESILIENT (the application has Redis and a"
                                    + " DataSource): Redis locks with the database as fallback");
                    if (missing != null) {
                        return withoutTables("resilient", missing, problems);
                    }
                    return resilient(properties, client, database, lockListener, alertSink, instanceName);
                }
                if (client != null) {
                    return redis(client, properties.redis())
                            .listener(lockListener)
                            .alerts(alertSink)
                            .build();
                }
                if (database == null) {
                    return LocalLockStrategies.create(lockListener, alertSink);
                }
                warnOfMissingTables(jdbc, database);
                return JdbcLockStrategies.create(
                        database, tablePrefix(jdbc, database), createTables(jdbc, database), lockListener, alertSink);
            }
            case JDBC -> {
                DataSource required = require(database, backend, DATABASE);
                MissingBallastTablesException missing =
                        missingTables(jdbc, required, false, "ballast.lock.backend=JDBC keeps locks in the database");
                if (missing != null) {
                    return withoutTables("jdbc", missing, problems);
                }
                return JdbcLockStrategies.create(
                        required, tablePrefix(jdbc, required), createTables(jdbc, required), lockListener, alertSink);
            }
            case REDIS -> {
                return redis(require(redisClient.getIfUnique(), backend, REDIS), properties.redis())
                        .listener(lockListener)
                        .alerts(alertSink)
                        .build();
            }
            case RESILIENT -> {
                AbstractRedisClient client = require(redisClient.getIfUnique(), backend, REDIS);
                DataSource fallbackDatabase = require(database, backend, DATABASE);
                MissingBallastTablesException missing = missingTables(
                        jdbc,
                        fallbackDatabase,
                        true,
                        "ballast.lock.backend=RESILIENT takes Redis locks with the database as fallback");
                if (missing != null) {
                    return withoutTables("resilient", missing, problems);
                }
                return resilient(properties, client, fallbackDatabase, lockListener, alertSink, instanceName);
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
            AbstractRedisClient client,
            DataSource database,
            LockListener lockListener,
            AlertSink alertSink,
            String instanceName) {
        BallastLockProperties.Jdbc jdbc = properties.jdbc();
        BallastLockProperties.Resilient settings = properties.resilient();
        boolean createTables = createTables(jdbc, database);
        return ResilientLockStrategy.builder(
                        redis(client, properties.redis())
                                .reconnectDelay(
                                        settings.reconnectDelay() != null
                                                ? settings.reconnectDelay()
                                                : properties.redis().reconnectDelay())
                                .alerts(alertSink)
                                .build(),
                        JdbcLockStrategies.builder(database, tablePrefix(jdbc, database), createTables)
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
                .quietPeriod(settings.quietPeriod())
                .instanceName(instanceName)
                .listener(lockListener)
                .alerts(alertSink)
                .build();
    }

    /** Redis locks on a standalone or Sentinel client, or on a cluster client. */
    private static RedisLockStrategyBuilder redis(AbstractRedisClient client, BallastLockProperties.Redis settings) {
        return (client instanceof RedisClusterClient cluster
                        ? RedisLockStrategies.builder(cluster)
                        : RedisLockStrategies.builder((RedisClient) client))
                .commandTimeout(settings.commandTimeout())
                .reconnectDelay(settings.reconnectDelay())
                .fenceRetention(settings.fenceRetention());
    }

    /** The table prefix, checked by the JDBC backend's own rule and reported under its property when invalid. */
    private static String tablePrefix(BallastLockProperties.Jdbc jdbc, DataSource database) {
        InvalidBallastPropertyException.apply(
                "ballast.lock.jdbc.table-prefix",
                jdbc.tablePrefix(),
                prefix -> JdbcLockStrategies.builder(database, prefix, false));
        return jdbc.tablePrefix();
    }

    /**
     * The backend's tables that are not there while Ballast is not to create them ({@code <prefix>lock}, and for the
     * resilient chain {@code <prefix>lock_mode}), or null. They fail start-up, as Spring Boot's own schema validation
     * does; see {@link #withoutTables}.
     */
    private static @Nullable MissingBallastTablesException missingTables(
            BallastLockProperties.Jdbc jdbc, DataSource database, boolean resilient, String why) {
        if (createTables(jdbc, database)) {
            return null;
        }
        String prefix = tablePrefix(jdbc, database);
        List<String> all = JdbcLockStrategies.tableNames(prefix); // the lock table, then the mode table
        List<String> needed = resilient ? all : all.subList(0, 1);
        BallastTables tables = BallastTables.check(database, needed);
        return tables.complete() ? null : MissingBallastTablesException.lock(tables, why, prefix);
    }

    /**
     * The lock tables are missing: start-up fails once the singletons exist, in one report with any other missing
     * Ballast tables (the outbox's). Until then a strategy stands in that fails every lock with that report, so no
     * backend runs against tables that are not there. After start-up (a lazy bean) it fails at once.
     */
    private static LockStrategy withoutTables(
            String backend, MissingBallastTablesException missing, ObjectProvider<StartupProblems> problems) {
        StartupProblems collector = problems.getIfUnique();
        if (collector == null) {
            throw missing;
        }
        collector.defer(missing);
        return new MissingTablesLockStrategy(backend, missing);
    }

    /**
     * AUTO on a DataSource without Redis: the JDBC table backend, which reads its table only when a lock is taken, and
     * the application may take none. So a missing table does not stop start-up; it is logged once at WARN with the fix,
     * and the first lock fails.
     */
    private static void warnOfMissingTables(BallastLockProperties.Jdbc jdbc, DataSource database) {
        if (createTables(jdbc, database)) {
            return;
        }
        String prefix = tablePrefix(jdbc, database);
        BallastTables tables = BallastTables.check(database, List.of(prefix + "lock"));
        if (!tables.complete()) {
            MissingBallastTablesException missing = MissingBallastTablesException.lock(
                    tables,
                    "ballast.lock.backend=AUTO resolved to JDBC (the application has a DataSource and no Redis)",
                    prefix);
            log.warn(
                    "{} Every @DistributedLock and LockStrategy call will fail until they exist.{}{}",
                    missing.description(),
                    System.lineSeparator(),
                    missing.action());
        }
    }

    private static boolean createTables(BallastLockProperties.Jdbc jdbc, DataSource database) {
        return jdbc.schema().initialize().createsTablesOn(database);
    }

    /** A dependency of a backend, and what to set when it is missing. */
    private record Needed(String what, String action) {}

    private static final Needed REDIS = new Needed(
            "a single Lettuce client bean (RedisClient or RedisClusterClient)",
            "Point Ballast at Redis: set spring.data.redis.host (and spring.data.redis.port, default 6379) or"
                    + " spring.data.redis.url, or spring.data.redis.cluster.nodes for a Cluster, or"
                    + " spring.data.redis.sentinel.master and spring.data.redis.sentinel.nodes behind Sentinel, and the"
                    + " starter builds the client; or define one RedisClient or RedisClusterClient bean yourself. Without Redis, set ballast.lock.backend to JDBC (needs a DataSource), LOCAL (one"
                    + " instance only) or AUTO.");
    private static final Needed DATABASE = new Needed(
            "a single DataSource bean",
            "Give the application a database: set spring.datasource.url (with spring.datasource.username and"
                    + " spring.datasource.password) and add its JDBC driver, or define one DataSource bean yourself."
                    + " Without a database, set ballast.lock.backend to REDIS (needs spring.data.redis.host),"
                    + " LOCAL (one instance only) or AUTO.");

    private static <T> T require(@Nullable T dependency, BallastLockProperties.Backend backend, Needed needed) {
        if (dependency == null) {
            throw InvalidBallastPropertyException.missing(
                    "ballast.lock.backend",
                    backend,
                    "needs " + needed.what() + ", and the application has none (or several)",
                    needed.action());
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
    static DistributedLockAdvisor ballastDistributedLockAdvisor(
            ObjectProvider<LockStrategy> locks, ObjectProvider<StartupProblems> problems) {
        return new DistributedLockAdvisor(locks, problems);
    }

    /** Gathers start-up problems so one report names all of a kind (shared with the executor and outbox). */
    @Bean
    @ConditionalOnMissingBean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static StartupProblems ballastStartupProblems(ObjectProvider<StartupProblems.TablesCheck> checks) {
        return new StartupProblems(checks);
    }
}
