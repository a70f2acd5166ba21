package dev.ballast.boot.autoconfigure.lock;

import dev.ballast.boot.internal.diagnostics.MissingBallastTablesException;
import dev.ballast.core.CheckedSupplier;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import java.time.Duration;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Stands in for a lock backend whose tables are missing, during the start-up that then fails reporting them with any
 * other missing Ballast tables: every lock fails with that report. Thread-safe.
 */
final class MissingTablesLockStrategy implements LockStrategy {

    private final String backend;
    private final MissingBallastTablesException missing;

    MissingTablesLockStrategy(String backend, MissingBallastTablesException missing) {
        this.backend = backend;
        this.missing = missing;
    }

    @Override
    public LockHandle tryAcquire(String key, Duration waitTime, Duration leaseTime) {
        throw missing;
    }

    @Override
    public <T extends @Nullable Object> T executeWithLocks(
            Collection<String> keys, Duration waitTime, Duration leaseTime, CheckedSupplier<T> task) {
        throw missing;
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public void close() {}
}
