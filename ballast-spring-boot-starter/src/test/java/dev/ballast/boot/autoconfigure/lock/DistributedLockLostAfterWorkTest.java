package dev.ballast.boot.autoconfigure.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.core.alert.Alert;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Issue 15 item 13: a {@code @DistributedLock} method whose work completed must return its result even if the lock's
 * lease is revoked afterwards (here a mode switch by another instance, seen while the method finishes): the loss is a
 * WARNING alert and a metric, never a failure of a completed, committed call. Before, the advisor's caller got
 * {@code LockLostException} (an HTTP 500 for a committed deposit).
 */
class DistributedLockLostAfterWorkTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class))
            .withUserConfiguration(Chain.class);

    @Test
    void aDepositWhoseLockIsRevokedAfterItsWorkStillReturnsItsResult() {
        runner.run(context -> {
            Deposits deposits = context.getBean(Deposits.class);
            Chain chain = context.getBean(Chain.class);

            assertThat(deposits.deposit("A-1")).isEqualTo("deposit A-1 committed");

            assertThat(chain.alerts).anySatisfy(alert -> assertThat(alert.title())
                    .isEqualTo("Lock lease lost after the guarded work completed"));
            assertThat(chain.registry
                            .get("ballast.lock.lease.lost.after.work")
                            .tag("backend", "resilient")
                            .counter()
                            .count())
                    .isEqualTo(1);
        });
    }

    /** The resilient chain over an in-JVM primary and H2, as one instance of an application would have it. */
    @Configuration(proxyBeanMethods = false)
    static class Chain {
        final JdbcDataSource h2 = new JdbcDataSource();
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final List<Alert> alerts = new CopyOnWriteArrayList<>();
        final AtomicBoolean revoked = new AtomicBoolean();

        Chain() {
            h2.setURL("jdbc:h2:mem:lost-after-work-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        }

        @Bean
        DataSource dataSource() {
            return h2;
        }

        @Bean(destroyMethod = "close")
        LockStrategy locks() {
            LockListener revocations = (backend, handle) -> revoked.set(true);
            return ResilientLockStrategy.builder(
                            LocalLockStrategies.builder().build(),
                            JdbcLockStrategies.builder(h2, "ballast_", true).build(),
                            h2)
                    .createTable(true)
                    .refreshInterval(Duration.ofMillis(50))
                    .probeInterval(Duration.ofMillis(50))
                    .listener(LockListener.all(List.of(LockMetrics.create(registry), revocations)))
                    .alerts(alerts::add)
                    .build();
        }

        @Bean
        Deposits deposits() {
            return new Deposits(h2, revoked);
        }
    }

    static class Deposits {
        private final DataSource database;
        private final AtomicBoolean revoked;

        Deposits(DataSource database, AtomicBoolean revoked) {
            this.database = database;
            this.revoked = revoked;
        }

        /** The deposit's work is done (committed); then another instance switches the lock mode before it returns. */
        @DistributedLock(key = "'account:' + #accountId", waitTime = "2s", leaseTime = "30s")
        public String deposit(String accountId) throws Exception {
            try (Connection connection = database.getConnection();
                    Statement statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE ballast_lock_mode SET mode = 'FALLBACK', epoch = epoch + 1,"
                        + " changed_by = 'another-instance' WHERE id = 1");
            }
            // this instance's refresh sees the new epoch and revokes the handle; its 2 s lease still runs
            await().atMost(Duration.ofSeconds(5)).untilTrue(revoked);
            return "deposit " + accountId + " committed";
        }
    }
}
