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
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:outbox-health-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return h2;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }
}
