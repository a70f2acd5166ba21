package dev.ballast.lock;

import dev.ballast.core.alert.AlertSink;

/**
 * Settings shared by every lock backend's strategy; get one from the backend's factory (for example {@code
 * RedisLockStrategies.builder(client)}). Each setter checks its value at once. Not thread-safe; the strategy it builds
 * is.
 *
 * <p>Defaults: no listener, alerts to the log, the system clock with one timer thread per strategy.
 */
public interface LockStrategyBuilder {

    /** Told about lease losses, acquisitions, timeouts and releases. */
    LockStrategyBuilder listener(LockListener listener);

    /** Receives a WARNING alert for each lease lost while held, and for each lost after the guarded work completed. */
    LockStrategyBuilder alerts(AlertSink alerts);

    /** The clock for leases, renewal and wait deadlines. */
    LockStrategyBuilder clock(LockClock clock);

    /**
     * Builds the strategy.
     *
     * @throws IllegalStateException if the backend cannot be set up (unsupported or unreachable database)
     */
    LockStrategy build();
}
