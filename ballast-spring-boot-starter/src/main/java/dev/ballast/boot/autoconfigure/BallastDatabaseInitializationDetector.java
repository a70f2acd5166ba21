package dev.ballast.boot.autoconfigure;

import dev.ballast.alert.AlertRouter;
import dev.ballast.lock.LockStrategy;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import java.util.Set;
import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDependsOnDatabaseInitializationDetector;

/**
 * Ballast's beans that read or write their tables when built or started (the lock strategy, the outbox and its relay,
 * the alert router with its shared dedup ledger)
 * are created after the application's database initialisers (Flyway, Liquibase, {@code spring.sql.init} scripts), so
 * tables those create exist first. Registered in {@code META-INF/spring.factories}; read only by Spring Boot's
 * {@code spring-boot-sql}.
 */
final class BallastDatabaseInitializationDetector extends AbstractBeansOfTypeDependsOnDatabaseInitializationDetector {

    @Override
    protected Set<Class<?>> getDependsOnDatabaseInitializationBeanTypes() {
        return Set.of(LockStrategy.class, Outbox.class, OutboxRelay.class, AlertRouter.class);
    }
}
