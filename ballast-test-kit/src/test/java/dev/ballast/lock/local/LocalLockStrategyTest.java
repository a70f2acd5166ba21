package dev.ballast.lock.local;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.ManualLockClock;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import dev.ballast.testkit.lock.LockStrategyContract;
import dev.ballast.testkit.lock.TestTime;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The lock contract on the in-JVM backend, whose leases run on a manual clock: time is driven, never slept. */
class LocalLockStrategyTest extends LockStrategyContract {

    private static final JdbcDataSource resources = new JdbcDataSource();

    static {
        resources.setURL("jdbc:h2:mem:local-lock-resources;DB_CLOSE_DELAY=-1");
    }

    private final ManualLockClock clock = new ManualLockClock();
    private LocalLockBackend backend;

    @Override
    protected LockStrategy create(LockListener listener) {
        return new LeaseStrategyBuilder(time -> backend = new LocalLockBackend(time))
                .listener(listener)
                .alerts(AlertSink.logging())
                .clock(clock)
                .build();
    }

    @Override
    protected void expireLease(String key) {
        backend.expire(key);
    }

    @Override
    protected DataSource resources() {
        return resources;
    }

    @Override
    protected TestTime time() {
        return TestTime.manual(clock::nanoTime, clock::advance);
    }
}
