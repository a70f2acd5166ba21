package dev.ballast.boot.autoconfigure.lock;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

/**
 * Auto-configures a {@link LockStrategy} (JDBC table on the application's DataSource, or in-JVM) and the {@link
 * dev.ballast.boot.DistributedLock} annotation. Backs off when the application defines its own LockStrategy, e.g. a
 * Redis one from {@code RedisLockStrategies}.
 */
@AutoConfiguration(
        after = BallastExecutorAutoConfiguration.class,
        afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass(LockStrategy.class)
@EnableConfigurationProperties(BallastLockProperties.class)
public class BallastLockAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LockStrategy ballastLockStrategy(
            BallastLockProperties properties,
            ObjectProvider<DataSource> dataSource,
            ObjectProvider<LockListener> listener, // user listeners and the metrics listener
            ObjectProvider<AlertSink> alerts) {
        LockListener lockListener = LockListener.all(listener.orderedStream().toList());
        AlertSink alertSink = alerts.getIfUnique(AlertSink::logging);
        DataSource database = dataSource.getIfUnique();
        BallastLockProperties.Backend backend = properties.backend();
        if (backend == BallastLockProperties.Backend.JDBC && database == null) {
            throw new IllegalStateException(
                    "ballast.lock.backend=JDBC needs a single DataSource bean, and the application has none");
        }
        if (backend == BallastLockProperties.Backend.LOCAL || database == null) {
            return LocalLockStrategies.create(lockListener, alertSink);
        }
        BallastLockProperties.Jdbc jdbc = properties.jdbc();
        return JdbcLockStrategies.create(database, jdbc.tablePrefix(), jdbc.createTable(), lockListener, alertSink);
    }

    /** Lock metrics; this class is only loaded when Micrometer is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {

        @Bean
        LockListener ballastLockMetrics(ObjectProvider<MeterRegistry> registry) {
            MeterRegistry meters = registry.getIfUnique();
            return meters == null ? LockListener.none() : LockMetrics.create(meters);
        }
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static DistributedLockAdvisor ballastDistributedLockAdvisor(ObjectProvider<LockStrategy> locks) {
        return new DistributedLockAdvisor(locks);
    }
}
