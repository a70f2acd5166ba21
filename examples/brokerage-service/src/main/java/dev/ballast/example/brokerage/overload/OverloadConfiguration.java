package dev.ballast.example.brokerage.overload;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.boot.outbox.OutboxDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * What keeps an overloaded instance answering and working (docs/operations.md, "Overload"):
 *
 * <ul>
 *   <li>{@link LoadShedding} in front of every request but the actuator's and those under {@code
 *       brokerage.overload.exempt-paths} (default {@code /api/quotes}: no database work, a bulkhead of their own): {@code brokerage.overload.max-in-progress}
 *       (default: the database pool, {@code spring.datasource.hikari.maximum-pool-size}, minus 2, so the settlement
 *       consumer and the lock's mode row always find a connection), {@code max-queued} (default 500: a burst of
 *       hundreds of callers waits its turn instead of being turned away), {@code queue-wait} (5 s, the account lock's
 *       wait) and {@code retry-after} (1 s);
 *   <li>the outbox relay on a pool of its own ({@link OutboxDataSource}, {@code brokerage.outbox.pool-size}, default
 *       relay threads + 3: LISTEN, housekeeping, status), same database and credentials as {@code spring.datasource},
 *       so requests waiting for the application's pool cannot starve it.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class OverloadConfiguration {

    /** Waiting requests cost a virtual thread and their request each: 500 are a few MB, not the heap. */
    static final int DEFAULT_MAX_QUEUED = 500;

    /**
     * Ballast's operator endpoints: signed alert action links and the Alertmanager receiver. Never shed, as the
     * actuator: they are what an operator and the alerting use during the very overload that sheds the rest.
     */
    static final String OPERATOR_PATHS = "/ballast/";

    @Bean
    LoadShedding loadShedding(
            @Value("${brokerage.overload.max-in-progress:#{null}}") @Nullable Integer maxInProgress,
            @Value("${brokerage.overload.max-queued:#{null}}") @Nullable Integer maxQueued,
            @Value("${brokerage.overload.queue-wait:5s}") Duration queueWait,
            @Value("${brokerage.overload.retry-after:1s}") Duration retryAfter,
            @Value("${spring.datasource.hikari.maximum-pool-size:10}") int poolSize,
            @Value("${management.endpoints.web.base-path:/actuator}") String actuator,
            @Value("${brokerage.overload.exempt-paths:/api/quotes}") List<String> exemptPaths,
            MeterRegistry registry) {
        int inProgress = maxInProgress != null ? maxInProgress : Math.max(1, poolSize - 2);
        return new LoadShedding(
                inProgress,
                maxQueued != null ? maxQueued : DEFAULT_MAX_QUEUED,
                queueWait,
                retryAfter,
                Stream.concat(Stream.of(actuator, OPERATOR_PATHS), exemptPaths.stream())
                        .toList(),
                registry);
    }

    @Bean
    FilterRegistrationBean<LoadShedding> loadSheddingFilter(LoadShedding shedding) {
        FilterRegistrationBean<LoadShedding> registration = new FilterRegistrationBean<>(shedding);
        // right after the graceful drain (HIGHEST_PRECEDENCE) and Spring's observation filter, before anything else
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return registration;
    }

    /**
     * The outbox's own pool; a non-default candidate, so the application's DataSource stays the one everything else
     * (transactions, Flyway, JdbcTemplate) uses. Spring Boot's {@code db} health checks both pools, one after the other.
     * Its connection and validation timeouts are the application pool's.
     */
    @Bean(defaultCandidate = false)
    @OutboxDataSource
    HikariDataSource outboxDataSource(
            DataSourceProperties properties,
            @Value("${brokerage.outbox.pool-size:#{null}}") @Nullable Integer poolSize,
            @Value("${ballast.outbox.relay.threads:1}") int relayThreads,
            @Value("${spring.datasource.hikari.connection-timeout:2000}") long connectionTimeoutMillis,
            @Value("${spring.datasource.hikari.validation-timeout:1000}") long validationTimeoutMillis) {
        HikariDataSource pool = properties
                .initializeDataSourceBuilder()
                .type(HikariDataSource.class)
                .build();
        pool.setPoolName("outbox");
        pool.setMaximumPoolSize(poolSize != null ? poolSize : relayThreads + 3);
        pool.setMinimumIdle(1);
        pool.setConnectionTimeout(connectionTimeoutMillis);
        pool.setValidationTimeout(validationTimeoutMillis);
        return pool;
    }
}
