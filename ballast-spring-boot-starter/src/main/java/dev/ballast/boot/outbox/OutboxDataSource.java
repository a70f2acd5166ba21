package dev.ballast.boot.outbox;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Qualifies the {@link javax.sql.DataSource} the auto-configured outbox uses for its own work: the relay's batches,
 * housekeeping, the PostgreSQL {@code LISTEN} connection, dead letters and the status behind health and the actuator
 * endpoint. Appends stay in the application's transactions on its primary DataSource. Without such a bean the outbox
 * uses the application's DataSource, as Spring Boot's {@code @FlywayDataSource} does for Flyway.
 *
 * <p>Give the relay a small pool of its own so that request traffic waiting for the application's pool cannot starve
 * it; declare it with {@code @Bean(defaultCandidate = false)} so that it does not replace the application's
 * DataSource:
 *
 * <pre>{@code
 * @Bean(defaultCandidate = false)
 * @OutboxDataSource
 * HikariDataSource outboxDataSource(DataSourceProperties properties) {
 *     HikariDataSource pool = properties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
 *     pool.setPoolName("ballast-outbox");
 *     pool.setMaximumPoolSize(3); // relay threads + LISTEN + housekeeping
 *     return pool;
 * }
 * }</pre>
 */
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface OutboxDataSource {}
