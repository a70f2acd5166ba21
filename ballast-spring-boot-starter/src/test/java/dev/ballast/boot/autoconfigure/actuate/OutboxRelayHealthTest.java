package dev.ballast.boot.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.outbox.BallastOutboxAutoConfiguration;
import dev.ballast.outbox.OutboxRelay;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The outbox child of the health says whether an operator paused the relay: found by a black-box check, in which
 * health showed {@code relayRunning: true} and nothing else while the relay, paused by a button, published nothing.
 */
class OutboxRelayHealthTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    BallastExecutorAutoConfiguration.class,
                    BallastOutboxAutoConfiguration.class,
                    BallastActuatorAutoConfiguration.class))
            .withUserConfiguration(Database.class)
            .withPropertyValues("ballast.outbox.relay.enabled=true", "ballast.outbox.relay.poll-interval=20ms");

    @Test
    void healthShowsTheRelayPausedByAnOperatorUntilItIsResumed() {
        runner.run(context -> {
            OutboxRelay relay = context.getBean(OutboxRelay.class);
            assertThat(outboxHealth(context).getDetails())
                    .containsEntry("relayRunning", true)
                    .containsEntry("relayPaused", false);

            assertThat(relay.pause("ops-kim")).isTrue();
            Health paused = outboxHealth(context);
            assertThat(paused.getDetails()).containsEntry("relayRunning", true).containsEntry("relayPaused", true);
            assertThat(paused.getStatus())
                    .as("nothing waits yet: a pause alone is not degraded")
                    .isEqualTo(Status.UP);

            assertThat(relay.resume("ops-kim")).isTrue();
            assertThat(outboxHealth(context).getDetails()).containsEntry("relayPaused", false);
        });
    }

    /**
     * Found by a black-box check: with the database paused, the outbox's health waited on the pool twice, once for its
     * status and once more for a missing-tables check that could only fail the same way. An unreachable database is
     * reported after one attempt, without a missing-tables report; a missing table still gets one (below).
     */
    @Test
    void anUnreachableDatabaseIsReportedAfterOneAttemptWithoutAMissingTablesCheck() {
        runner.run(context -> {
            Switchable database = context.getBean(Switchable.class);
            Thread reader = Thread.currentThread();
            database.down = true;
            database.attemptsBy(reader); // from now on

            Health health = outboxHealth(context);

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails())
                    .doesNotContainKey("missingTables")
                    .hasEntrySatisfying(
                            "error", error -> assertThat((String) error).contains("database unreachable (test fault)"));
            assertThat(database.attemptsBy(reader))
                    .as("connections the health read asked for")
                    .isEqualTo(1);
        });
    }

    @Test
    void aMissingOutboxTableIsStillReportedWithWhatToSet() {
        runner.run(context -> {
            try (var connection = context.getBean(DataSource.class).getConnection();
                    var statement = connection.createStatement()) {
                statement.execute("DROP TABLE ballast_outbox_dlq");
            }

            Health health = outboxHealth(context);

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsKey("missingTables").containsKey("action");
        });
    }

    private static Health outboxHealth(AssertableApplicationContext context) {
        CompositeHealthContributor ballast =
                context.getBean("ballastHealthContributor", CompositeHealthContributor.class);
        Health health = ((HealthIndicator) ballast.getContributor("outbox")).health();
        assertThat(health).isNotNull();
        return health;
    }

    @Configuration(proxyBeanMethods = false)
    static class Database {
        @Bean
        Switchable switchable() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:outbox-health-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return new Switchable(h2);
        }

        @Bean
        DataSource dataSource(Switchable switchable) {
            return switchable.dataSource;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }

    /** An H2 database whose connections are refused while {@link #down} is set, counting each thread's attempts. */
    static final class Switchable {
        final DataSource dataSource;
        volatile boolean down;
        private final java.util.Map<Thread, java.util.concurrent.atomic.AtomicInteger> attempts =
                new java.util.concurrent.ConcurrentHashMap<>();

        Switchable(DataSource target) {
            this.dataSource = (DataSource) java.lang.reflect.Proxy.newProxyInstance(
                    DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                        if (method.getName().equals("getConnection")) {
                            attempts.computeIfAbsent(
                                            Thread.currentThread(),
                                            t -> new java.util.concurrent.atomic.AtomicInteger())
                                    .incrementAndGet();
                            if (down) {
                                throw new java.sql.SQLTransientConnectionException(
                                        "database unreachable (test fault)", "08001");
                            }
                        }
                        try {
                            return method.invoke(target, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        /** The attempts {@code thread} made since the last call. */
        int attemptsBy(Thread thread) {
            java.util.concurrent.atomic.AtomicInteger count = attempts.remove(thread);
            return count == null ? 0 : count.get();
        }
    }
}
