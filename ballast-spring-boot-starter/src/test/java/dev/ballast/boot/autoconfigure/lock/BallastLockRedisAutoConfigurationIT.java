package dev.ballast.boot.autoconfigure.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Redis and resilient backends from properties, on the machine's shared Redis and an in-memory H2. */
class BallastLockRedisAutoConfigurationIT {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class))
            .withUserConfiguration(Redis.class);

    @Test
    void redisBackendLocksThroughTheApplicationsRedisClient() {
        runner.withPropertyValues("ballast.lock.backend=REDIS").run(context -> {
            LockStrategy locks = context.getBean(LockStrategy.class);
            assertThat(locks.backend()).isEqualTo("redis");
            try (LockHandle handle = locks.tryAcquire(key(), Duration.ZERO, Duration.ofSeconds(5))) {
                assertThat(handle.isValid()).isTrue();
            }
        });
    }

    @Test
    void resilientBackendStartsOnRedisWithTheDatabaseBehindIt() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues(
                        "ballast.lock.backend=RESILIENT",
                        "ballast.lock.resilient.max-lease=5s",
                        "ballast.lock.resilient.refresh-interval=200ms")
                .run(context -> {
                    ResilientLockStrategy locks = (ResilientLockStrategy) context.getBean(LockStrategy.class);
                    assertThat(locks.backend()).isEqualTo("resilient");
                    assertThat(locks.activeBackend()).isEqualTo("redis");
                    try (LockHandle handle = locks.tryAcquire(key(), Duration.ZERO, Duration.ofSeconds(30))) {
                        assertThat(handle.isValid()).isTrue();
                    }
                });
    }

    @Test
    void autoPicksTheResilientChainWhenTheApplicationHasRedisAndADatabase() {
        runner.withUserConfiguration(Database.class).run(context -> {
            ResilientLockStrategy locks = (ResilientLockStrategy) context.getBean(LockStrategy.class);
            assertThat(locks.activeBackend()).isEqualTo("redis");
            try (LockHandle handle = locks.tryAcquire(key(), Duration.ZERO, Duration.ofSeconds(5))) {
                assertThat(handle.isValid()).isTrue();
            }
        });
    }

    @Test
    void autoPicksRedisWhenTheApplicationHasRedisAndNoDatabase() {
        runner.run(context ->
                assertThat(context.getBean(LockStrategy.class).backend()).isEqualTo("redis"));
    }

    private static String key() {
        return "starter:" + UUID.randomUUID();
    }

    @Configuration(proxyBeanMethods = false)
    static class Redis {
        @Bean(destroyMethod = "shutdown")
        RedisClient redisClient() {
            return RedisClient.create("redis://127.0.0.1:6379");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Database {
        @Bean
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:resilient-starter-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return h2;
        }
    }
}
