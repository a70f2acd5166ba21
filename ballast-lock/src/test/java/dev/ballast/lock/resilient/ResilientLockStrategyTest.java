package dev.ballast.lock.resilient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockListener.BreakerState;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import io.lettuce.core.RedisConnectionException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The resilient strategy's rules that need no outage of a real server: what may move the breaker, and the strict
 * refusal while the mode authority cannot be read. The in-JVM lock stands in for the primary, H2 for the database; the
 * Redis/PostgreSQL fail-over itself is {@link ResilientLockFailoverIT}.
 */
class ResilientLockStrategyTest {

    private final JdbcDataSource h2 = new JdbcDataSource();
    private final FaultyDataSource authority;
    private final List<String> lost = new CopyOnWriteArrayList<>();
    private final List<Alert> alerts = new CopyOnWriteArrayList<>();
    private ResilientLockStrategy locks;

    ResilientLockStrategyTest() {
        h2.setURL("jdbc:h2:mem:resilient-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        authority = new FaultyDataSource(h2);
    }

    @AfterEach
    void close() {
        if (locks != null) {
            locks.close();
        }
    }

    private ResilientLockStrategy build(int failureThreshold) {
        LockStrategy primary = LocalLockStrategies.create(LockListener.none(), AlertSink.logging());
        LockStrategy fallback = JdbcLockStrategies.create(h2, "ballast_", true, LockListener.none(), alerts::add);
        locks = ResilientLockStrategy.builder(primary, fallback, authority)
                .createTable(true)
                .maxLease(Duration.ofMillis(500))
                .refreshInterval(Duration.ofMillis(50))
                .failureThreshold(failureThreshold)
                .probeInterval(Duration.ofMillis(100))
                .listener((backend, handle) -> lost.add(handle.key()))
                .alerts(alerts::add)
                .build();
        return locks;
    }

    @Test
    void anExceptionFromTheGuardedCodePropagatesUntouchedAndNeverMovesTheBreaker() {
        build(1);
        RuntimeException wrappedOutage = new CompletionException(new RedisConnectionException("business code's Redis"));
        assertThat(ExceptionClassifier.defaults().classify(wrappedOutage)).isEqualTo(ErrorCategory.INFRASTRUCTURE);
        RuntimeException lockOutage =
                new LockBackendException("redis", "acquire", "other", new SQLTransientConnectionException());

        for (RuntimeException thrown : List.of(wrappedOutage, lockOutage, wrappedOutage)) {
            assertThatThrownBy(() -> locks.executeWithLock("k", Duration.ZERO, Duration.ofSeconds(1), () -> {
                        throw thrown;
                    }))
                    .isSameAs(thrown);
        }

        assertThat(locks.breakerState()).isEqualTo(BreakerState.CLOSED);
        assertThat(locks.activeBackend()).isEqualTo("local");
        assertThat(locks.executeWithLock("k", Duration.ZERO, Duration.ofSeconds(1), () -> "still primary"))
                .isEqualTo("still primary");
    }

    @Test
    void whileTheAuthorityIsUnreadableHandlesAreRevokedAndNoLockIsGranted() throws Exception {
        build(3);
        LockHandle held = locks.tryAcquire("held", Duration.ZERO, Duration.ofSeconds(1));
        assertThat(held.fencingToken()).isPositive();

        authority.down = true;
        awaitTrue(() -> !held.isValid());
        // the handle turns invalid first; the listener and the alert are told right after, on the watchdog thread
        awaitTrue(() -> alerts.stream().anyMatch(alert -> alert.title().equals("Locks revoked")));
        assertThat(lost).containsExactly("held");
        assertThat(alerts).anySatisfy(alert -> assertThat(alert.title()).isEqualTo("Locks revoked"));
        assertThatThrownBy(() -> locks.tryAcquire("other", Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("lock mode authority")
                .satisfies(e ->
                        assertThat(ExceptionClassifier.defaults().classify(e)).isEqualTo(ErrorCategory.INFRASTRUCTURE));

        authority.down = false;
        held.close();
        awaitTrue(() -> {
            try (LockHandle again = locks.tryAcquire("other", Duration.ZERO, Duration.ofSeconds(1))) {
                return again.isValid();
            } catch (LockBackendException stillStale) {
                return false;
            }
        });
    }

    @Test
    void leasesLongerThanTheMaximumAreShortenedNotRefused() {
        build(3);
        try (LockHandle handle = locks.tryAcquire("long", Duration.ZERO, Duration.ofHours(1))) {
            assertThat(handle.isValid()).isTrue();
        }
    }

    @Test
    void badSettingsAreRefusedWithTheBadValue() {
        LockStrategy primary = LocalLockStrategies.create(LockListener.none(), AlertSink.logging());
        LockStrategy fallback = LocalLockStrategies.create(LockListener.none(), AlertSink.logging());
        ResilientLockStrategyBuilder builder = ResilientLockStrategy.builder(primary, fallback, h2);
        assertThatThrownBy(() -> builder.tablePrefix("x; DROP TABLE t"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x; DROP TABLE t");
        assertThatThrownBy(() -> builder.maxLease(Duration.ofMillis(10)))
                .hasMessageContaining("maxLease")
                .hasMessageContaining("PT0.01S");
        assertThatThrownBy(() -> builder.failureThreshold(0))
                .hasMessageContaining("failureThreshold must be at least 1, was 0");
        assertThatThrownBy(() -> ResilientLockStrategy.builder(primary, primary, h2))
                .hasMessageContaining("different");
        assertThatThrownBy(() -> builder.refreshInterval(Duration.ofSeconds(10)).build())
                .hasMessageContaining("probeInterval");
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition within 10 s").isNegative();
            Thread.sleep(10);
        }
    }

    /** A fault proxy: the real H2 data source, or a refused connection while {@code down}. */
    private static final class FaultyDataSource implements DataSource {
        private final DataSource target;
        volatile boolean down;

        FaultyDataSource(DataSource target) {
            this.target = target;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLTransientConnectionException("authority database unreachable (test fault)");
            }
            return target.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
