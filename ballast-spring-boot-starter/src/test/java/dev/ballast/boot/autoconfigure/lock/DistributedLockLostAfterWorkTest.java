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
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLTransientConnectionException;
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
 * lease is revoked afterwards (here the instance loses its mode authority while the method finishes, so its handles are
 * revoked while their leases still run): the loss is a WARNING alert and a metric, never a failure of a completed,
 * committed call. Before, the advisor's caller got {@code LockLostException} (an HTTP 500 for a committed deposit). A
 * routine mode switch no longer revokes anything (issue 12: the old mode's handles stay valid until their leases end),
 * so the authority going silent is how a lease is lost here.
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
        final AtomicBoolean authorityDown = new AtomicBoolean();
        /** The mode authority's database as this instance reaches it: refused connections while authorityDown. */
        final DataSource authority = (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (authorityDown.get() && method.getName().equals("getConnection")) {
                        throw new SQLTransientConnectionException("mode authority unreachable (test fault)");
                    }
                    try {
                        return method.invoke(h2, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

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
                            authority)
                    .createTable(true)
                    .refreshInterval(Duration.ofMillis(50))
                    .probeInterval(Duration.ofMillis(50))
                    .listener(LockListener.all(List.of(LockMetrics.create(registry), revocations)))
                    .alerts(alerts::add)
                    .build();
        }

        @Bean
        Deposits deposits() {
            return new Deposits(revoked, authorityDown);
        }
    }

    static class Deposits {
        private final AtomicBoolean revoked;
        private final AtomicBoolean authorityDown;

        Deposits(AtomicBoolean revoked, AtomicBoolean authorityDown) {
            this.revoked = revoked;
            this.authorityDown = authorityDown;
        }

        /** The deposit's work is done (committed); then this instance loses its mode authority before it returns. */
        @DistributedLock(key = "'account:' + #accountId", waitTime = "2s", leaseTime = "30s")
        public String deposit(String accountId) {
            authorityDown.set(true);
            try {
                // the view goes stale after 2 refresh intervals (100 ms): the handle is revoked; its 2 s lease still
                // runs
                await().atMost(Duration.ofSeconds(5)).untilTrue(revoked);
            } finally {
                authorityDown.set(false);
            }
            return "deposit " + accountId + " committed";
        }
    }
}
