package dev.ballast.lock.local;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyContract;
import dev.ballast.lock.internal.LeaseLockStrategy;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

class LocalLockStrategyTest extends LockStrategyContract {

    private static final JdbcDataSource resources = new JdbcDataSource();

    static {
        resources.setURL("jdbc:h2:mem:local-lock-resources;DB_CLOSE_DELAY=-1");
    }

    private LocalLockBackend backend;

    @Override
    protected LockStrategy create(LockListener listener) {
        backend = new LocalLockBackend();
        return new LeaseLockStrategy(backend, listener, AlertSink.logging());
    }

    @Override
    protected void expireLease(String key) {
        backend.expire(key);
    }

    @Override
    protected DataSource resources() {
        return resources;
    }
}
