package dev.ballast.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.boot.autoconfigure.outbox.BallastOutboxAutoConfiguration;
import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.boot.internal.InstanceName;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.resilient.LockMode;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import dev.ballast.outbox.OutboxRelay;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * One instance, one name: the resilient lock chain (who switched, "on instance …") and the outbox relay (leases,
 * {@code /actuator/outbox}) name an instance the same way, {@code ballast.instance-name} when set, else one name made per
 * application context; found by a black-box check, where one JVM went by two names with different random ends. Real
 * Redis (127.0.0.1:6379) for the chain's primary, H2 for its mode table and the outbox.
 */
class InstanceNameTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            // as Boot runs it from spring.factories for an application (a context runner runs no post-processor)
            .withInitializer(context ->
                    new InstanceName().postProcessEnvironment(context.getEnvironment(), new SpringApplication()))
            .withConfiguration(AutoConfigurations.of(
                    BallastRedisAutoConfiguration.class,
                    BallastExecutorAutoConfiguration.class,
                    BallastLockAutoConfiguration.class,
                    BallastOutboxAutoConfiguration.class))
            .withUserConfiguration(Database.class)
            .withPropertyValues(
                    "spring.data.redis.host=127.0.0.1",
                    "spring.data.redis.port=6379",
                    "ballast.lock.backend=RESILIENT",
                    "ballast.outbox.relay.enabled=true");

    @Test
    void bootNamesEveryApplicationOnce() {
        try (ConfigurableApplicationContext application = new SpringApplicationBuilder(Empty.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .run()) {
            String name = application.getEnvironment().getProperty("ballast.instance-name");
            assertThat(name).matches("\\d+@.+-[0-9a-f]{8}");
            assertThat(InstanceName.of(application.getEnvironment())).isEqualTo(name);
        }
    }

    @Test
    void theLockChainAndTheRelayOfOneInstanceGoByOneNameAndAnotherContextByAnother() {
        String[] first = new String[1];
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            String owner = context.getBean(OutboxRelay.class).owner();
            assertThat(owner).matches("\\d+@.+-[0-9a-f]{8}");
            assertThat(switchedBy(context)).isEqualTo("operator:ops-kim via " + owner);
            first[0] = owner;
        });
        runner.run(context -> assertThat(context.getBean(OutboxRelay.class).owner())
                .as("a second application context in the same JVM")
                .isNotEqualTo(first[0]));
    }

    @Test
    void aConfiguredNameIsUsedByEveryModule() {
        runner.withPropertyValues("ballast.instance-name= pod-7 ").run(context -> {
            assertThat(context.getBean(OutboxRelay.class).owner()).isEqualTo("pod-7");
            assertThat(switchedBy(context)).isEqualTo("operator:ops-kim via pod-7");
        });
    }

    @Test
    void aNameThatCannotBeUsedFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.instance-name=" + "p".repeat(101)).run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("ballast.instance-name")
                .hasMessageContaining("must be 1 to 100 printable characters"));
    }

    /** Who the mode table says moved locks, after an operator moved them to the fallback. */
    private static String switchedBy(AssertableApplicationContext context) throws Exception {
        ResilientLockStrategy locks = (ResilientLockStrategy) context.getBean(LockStrategy.class);
        assertThat(locks.switchMode(LockMode.FALLBACK, "ops-kim")).isTrue();
        try (Connection connection = context.getBean(DataSource.class).getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT changed_by FROM ballast_lock_mode")) {
            assertThat(row.next()).isTrue();
            return row.getString(1);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Empty {}

    @Configuration(proxyBeanMethods = false)
    static class Database {
        @Bean
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:instance-name-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return h2;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }
}
