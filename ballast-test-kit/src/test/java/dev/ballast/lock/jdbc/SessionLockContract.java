package dev.ballast.lock.jdbc;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import java.util.List;
import javax.sql.DataSource;

/**
 * The lock contract on database session locks. "Expiring" a lease (each subclass's {@code expireLease}) kills the
 * session that holds the lock, which is how such a lock is lost in production (network drop, server restart, idle
 * timeout).
 */
abstract class SessionLockContract extends DatabaseLockContract {

    @Override
    protected LockStrategy create(DataSource dataSource, String tablePrefix, LockListener listener, AlertSink alerts) {
        return SessionLockStrategies.create(dataSource, tablePrefix, true, listener, alerts);
    }

    @Override
    protected List<String> tableNames(String tablePrefix) {
        return SessionLockStrategies.tableNames(tablePrefix);
    }
}
