package dev.ballast.boot.autoconfigure.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

class BallastLockAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class));

    @Test
    void withoutADataSourceTheLocksAreInJvm() {
        runner.run(context ->
                assertThat(context.getBean(LockStrategy.class).backend()).isEqualTo("local"));
    }

    @Test
    void withADataSourceTheLocksUseTheJdbcTable() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.lock.jdbc.table-prefix=auto_")
                .run(context -> {
                    LockStrategy locks = context.getBean(LockStrategy.class);
                    assertThat(locks.backend()).isEqualTo("jdbc");
                    try (LockHandle handle = locks.tryAcquire("k", Duration.ZERO, Duration.ofSeconds(5))) {
                        assertThat(handle.fencingToken()).isPositive();
                    }
                });
    }

    @Test
    void jdbcWithoutADataSourceFailsStartUpSayingSo() {
        runner.withPropertyValues("ballast.lock.backend=JDBC")
                .run(
                        context -> assertThat(context)
                                .getFailure()
                                .hasStackTraceContaining(
                                        "ballast.lock.backend needs a single DataSource bean, and the application has none (or several), was JDBC"));
    }

    @Test
    void redisWithoutARedisClientFailsStartUpSayingSo() {
        runner.withPropertyValues("ballast.lock.backend=REDIS")
                .run(
                        context -> assertThat(context)
                                .getFailure()
                                .hasStackTraceContaining(
                                        "ballast.lock.backend needs a single Lettuce client bean (RedisClient or RedisClusterClient), and the application has none (or several), was REDIS"));
    }

    @Test
    void aBadResilientSettingFailsStartUpNamingTheProperty() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.lock.backend=RESILIENT", "ballast.lock.resilient.failure-threshold=0")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.lock.resilient.failure-threshold must be at least 1, was 0"));
    }

    @Test
    void aQuietPeriodShorterThanTheProbeIntervalFailsStartUpNamingTheProperty() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.lock.backend=RESILIENT", "ballast.lock.resilient.quiet-period=500ms")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("ballast.lock.resilient.quiet-period must be at least 1s, was 500ms"));
    }

    @Test
    void aTooShortRedisCommandTimeoutFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.lock.redis.command-timeout=5ms").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.lock.redis.command-timeout must be at least 10ms, was 5ms"));
    }

    @Test
    void aTooShortRedisReconnectDelayFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.lock.redis.reconnect-delay=1ms").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.lock.redis.reconnect-delay must be at least 10ms, was 1ms"));
    }

    @Test
    void aFenceRetentionUnderAnHourFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.lock.redis.fence-retention=30m").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.lock.redis.fence-retention must be at least 1h, was 30m"));
    }

    @Test
    void aTooShortReconnectDelayFailsStartUpNamingTheProperty() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.lock.backend=RESILIENT", "ballast.lock.resilient.reconnect-delay=1ms")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining(
                                "ballast.lock.resilient.reconnect-delay must be at least 10ms, was 1ms"));
    }

    @Test
    void theResilientDefaultsAreShortRenewedLeases() {
        BallastLockProperties properties = new Binder(new MapConfigurationPropertySource())
                .bindOrCreate("ballast.lock", BallastLockProperties.class);
        BallastLockProperties.Resilient defaults = properties.resilient();
        assertThat(defaults.maxLease()).isEqualTo(Duration.ofSeconds(2));
        assertThat(defaults.refreshInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(defaults.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.probeSuccesses()).isEqualTo(2);
        assertThat(defaults.reconnectDelay()).as("the deprecated name, unset").isNull();
        assertThat(properties.redis().reconnectDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.redis().commandTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.redis().fenceRetention()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void anInjectedTablePrefixFailsStartUp() {
        runner.withUserConfiguration(Database.class)
                .withPropertyValues("ballast.lock.jdbc.table-prefix=x;drop table y")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining(
                                "ballast.lock.jdbc.table-prefix must be letters, digits and '_' (at most 41,"
                                        + " not starting with a digit), was x;drop table y"));
    }

    @Test
    void backsOffForTheApplicationsOwnStrategy() {
        runner.withUserConfiguration(Database.class, OwnLocks.class)
                .run(context -> assertThat(context.getBean(LockStrategy.class)).isSameAs(context.getBean("ownLocks")));
    }

    @Test
    void annotatedMethodsAreMutuallyExclusivePerKey() {
        runner.withUserConfiguration(Counter.Config.class).run(context -> {
            Counter counter = context.getBean(Counter.class);
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    futures.add(pool.submit(() -> {
                        for (int j = 0; j < 50; j++) {
                            counter.increment("A-1");
                        }
                        return null;
                    }));
                }
                for (Future<?> future : futures) {
                    future.get(60, TimeUnit.SECONDS);
                }
            }
            assertThat(counter.value()).isEqualTo(400);
        });
    }

    @Test
    void aBusyLockFailsAfterTheAnnotationsWaitTime() {
        runner.withUserConfiguration(Counter.Config.class).run(context -> {
            LockStrategy locks = context.getBean(LockStrategy.class);
            try (LockHandle held = locks.tryAcquire("counter:A-9", Duration.ZERO, Duration.ofSeconds(5))) {
                assertThatThrownBy(() -> context.getBean(Counter.class).increment("A-9"))
                        .isInstanceOf(LockAcquisitionException.class)
                        .hasMessage("Lock 'counter:A-9' not acquired within 200 ms");
            }
        });
    }

    @Test
    void theLockIsTakenBeforeTheTransactionAndReleasedAfterItsCommit() {
        runner.withUserConfiguration(Database.class, Transactions.class, Transfers.Config.class)
                .run(context -> {
                    Transfers transfers = context.getBean(Transfers.class);
                    Observations seen = context.getBean(Observations.class);

                    transfers.transfer("A-1");

                    assertThat(seen.transactionActiveInside).isTrue();
                    assertThat(seen.lockHeldAfterCommit)
                            .as("lock still held when the commit completed")
                            .isTrue();
                    try (LockHandle free = context.getBean(LockStrategy.class)
                            .tryAcquire("transfer:A-1", Duration.ZERO, Duration.ofSeconds(1))) {
                        assertThat(free.isValid())
                                .as("released after the transaction")
                                .isTrue();
                    }
                });
    }

    @Test
    void lockMetricsAreRecordedByBackendAndResult() {
        runner.withUserConfiguration(Counter.Config.class, Registry.class).run(context -> {
            context.getBean(Counter.class).increment("A-2");
            LockStrategy locks = context.getBean(LockStrategy.class);
            try (LockHandle held = locks.tryAcquire("counter:A-3", Duration.ZERO, Duration.ofSeconds(5))) {
                assertThatThrownBy(() -> context.getBean(Counter.class).increment("A-3"))
                        .isInstanceOf(LockAcquisitionException.class);
            }

            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get("ballast.lock.wait")
                            .tags("backend", "local", "result", "acquired")
                            .timer()
                            .count())
                    .isEqualTo(2);
            assertThat(registry.get("ballast.lock.wait")
                            .tags("backend", "local", "result", "timeout")
                            .timer()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.get("ballast.lock.held")
                            .tags("backend", "local")
                            .timer()
                            .count())
                    .isEqualTo(2);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void anUnparsableDurationFailsStartUp() {
        runner.withUserConfiguration(BadDuration.class).run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("waitTime 'two seconds' is not a duration"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Database {
        @Bean
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:starter-locks;DB_CLOSE_DELAY=-1");
            return h2;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Transactions {
        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLocks {
        @Bean
        LockStrategy ownLocks() {
            return dev.ballast.lock.local.LocalLockStrategies.create(
                    dev.ballast.lock.LockListener.none(), dev.ballast.core.alert.AlertSink.logging());
        }
    }

    static class Counter {
        private int value;

        public int value() {
            return value;
        }

        @DistributedLock(key = "'counter:' + #accountId", waitTime = "200ms", leaseTime = "5s")
        public void increment(String accountId) throws InterruptedException {
            int read = value;
            Thread.sleep(0, 50_000);
            value = read + 1;
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Counter counter() {
                return new Counter();
            }
        }
    }

    /** What the transfer saw; a plain object, so nothing is read through the bean's proxy. */
    static final class Observations {
        final AtomicBoolean transactionActiveInside = new AtomicBoolean();
        final AtomicBoolean lockHeldAfterCommit = new AtomicBoolean();
    }

    static class Transfers {
        private final LockStrategy locks;
        private final Observations seen;

        Transfers(LockStrategy locks, Observations seen) {
            this.locks = locks;
            this.seen = seen;
        }

        @DistributedLock(key = "'transfer:' + #accountId", waitTime = "1s", leaseTime = "5s")
        @Transactional
        public void transfer(String accountId) {
            seen.transactionActiveInside.set(TransactionSynchronizationManager.isActualTransactionActive());
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    try (LockHandle probe =
                            locks.tryAcquire("transfer:" + accountId, Duration.ZERO, Duration.ofSeconds(1))) {
                        seen.lockHeldAfterCommit.set(false);
                    } catch (LockAcquisitionException held) {
                        seen.lockHeldAfterCommit.set(true);
                    }
                }
            });
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Observations observations() {
                return new Observations();
            }

            @Bean
            Transfers transfers(LockStrategy locks, Observations seen) {
                return new Transfers(locks, seen);
            }
        }
    }

    static class BadDurationService {
        @DistributedLock(key = "'k'", waitTime = "two seconds")
        public void run() {}
    }

    @Configuration(proxyBeanMethods = false)
    static class BadDuration {
        @Bean
        BadDurationService badDurationService() {
            return new BadDurationService();
        }
    }
}
