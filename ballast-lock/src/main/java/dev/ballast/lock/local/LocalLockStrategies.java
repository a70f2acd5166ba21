package dev.ballast.lock.local;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import dev.ballast.lock.internal.LeaseStrategyBuilder;

/** Factory of in-JVM {@link LockStrategy} instances. */
public final class LocalLockStrategies {

    private LocalLockStrategies() {}

    /** An in-JVM strategy that reports lease losses to {@code listener} and, as WARNING alerts, to {@code alerts}. */
    public static LockStrategy create(LockListener listener, AlertSink alerts) {
        return builder().listener(listener).alerts(alerts).build();
    }

    /** A builder of in-JVM strategies; their leases run on the builder's clock. */
    public static LockStrategyBuilder builder() {
        return new LeaseStrategyBuilder(LocalLockBackend::new);
    }
}
