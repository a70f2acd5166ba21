package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.test.FaultProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session locks (PostgreSQL advisory locks, MariaDB {@code GET_LOCK}) on a database that stops answering (a frozen
 * primary, a network cut that drops packets) while new connections already reach one that answers (a promoted
 * standby). Before the lock's network timeout, a caller whose pooled connection had lost its server waited forever in
 * the try-lock or the unlock (neither driver gives up on a silent socket unless its URL sets a socket timeout).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FrozenSessionLockDatabaseIT {

    /** The network timeout and a margin for a loaded machine: longer means a caller waited on a silent socket. */
    private static final long BOUND_SECONDS = JdbcLockStrategies.NETWORK_TIMEOUT.toSeconds() + 15;

    private static final Duration LEASE = Duration.ofSeconds(30);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgresql", "mariadb"})
    void aTryLockAndAnUnlockOnSessionsThatLostTheirServerEndWithinTheNetworkTimeoutAndLocksWorkAfterIt(String database)
            throws Exception {
        String prefix =
                "frozensession" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";
        boolean postgres = database.equals("postgresql");
        AtomicBoolean failedOver = new AtomicBoolean();
        ExecutorService holder = Executors.newSingleThreadExecutor();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (FaultProxy proxy = FaultProxy.start(postgres ? 5432 : 3306)) {
            ThreadStickyPool pool = postgres
                    ? ThreadStickyPool.postgres(proxy, failedOver)
                    : ThreadStickyPool.mariadb(proxy, failedOver);
            try (LockStrategy locks = SessionLockStrategies.builder(pool.dataSource(), prefix, true)
                    .listener(LockListener.none())
                    .alerts(AlertSink.logging())
                    .build()) {
                LockHandle held = holder.submit(() -> locks.tryAcquire("held", Duration.ZERO, LEASE))
                        .get(10, TimeUnit.SECONDS);
                assertThat(held.isValid()).isTrue();
                // the other thread's connection goes back to the pool idle, as a pooled connection does between uses
                other.submit(() ->
                                locks.tryAcquire("warm", Duration.ZERO, LEASE).close())
                        .get(10, TimeUnit.SECONDS);

                failedOver.set(true); // new connections reach the server directly
                proxy.halfOpen(); // the connections through the proxy lose their server without a word

                Future<LockHandle> acquisition = other.submit(() -> locks.tryAcquire("next", Duration.ZERO, LEASE));
                Throwable failure = catchThrowable(() -> acquisition.get(BOUND_SECONDS, TimeUnit.SECONDS));
                assertThat(failure)
                        .as("a try-lock on a connection that lost its server fails within the network timeout")
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(LockBackendException.class);

                Future<?> release = holder.submit(held::close);
                release.get(BOUND_SECONDS, TimeUnit.SECONDS); // a TimeoutException here: the unlock waited on
                assertThat(held.isValid()).isFalse();

                // both threads' lost connections were closed, so their next locks go through new ones
                try (LockHandle next = other.submit(() -> locks.tryAcquire("next", Duration.ZERO, LEASE))
                                .get(10, TimeUnit.SECONDS);
                        LockHandle again = holder.submit(() -> locks.tryAcquire("held", Duration.ofSeconds(5), LEASE))
                                .get(10, TimeUnit.SECONDS)) {
                    assertThat(next.isValid()).isTrue();
                    assertThat(again.isValid())
                            .as("the lock of the lost session is free once the database dropped that session")
                            .isTrue();
                }
            }
        } finally {
            holder.shutdownNow();
            other.shutdownNow();
            try (Connection connection = postgres
                            ? DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "")
                            : DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/test", "root", "");
                    Statement statement = connection.createStatement()) {
                for (String table : SessionLockStrategies.tableNames(prefix)) {
                    statement.execute("DROP TABLE IF EXISTS " + table);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
