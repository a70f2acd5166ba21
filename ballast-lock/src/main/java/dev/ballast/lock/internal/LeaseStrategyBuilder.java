package dev.ballast.lock.internal;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** The {@link LockStrategyBuilder} of every {@link LeaseLockStrategy}; the backend is made at build time. */
public final class LeaseStrategyBuilder implements LockStrategyBuilder {

    private final Function<LockClock, LockBackend> backend;
    private LockListener listener = LockListener.none();
    private AlertSink alerts = AlertSink.logging();
    private @Nullable LockClock clock;
    private Executor background = LeaseStrategyBuilder::startVirtual;

    /** A builder whose strategy runs over the backend {@code backend} makes from the strategy's clock. */
    public LeaseStrategyBuilder(Function<LockClock, LockBackend> backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    @Override
    public LeaseStrategyBuilder listener(LockListener lockListener) {
        this.listener = Objects.requireNonNull(lockListener, "listener");
        return this;
    }

    @Override
    public LeaseStrategyBuilder alerts(AlertSink sink) {
        this.alerts = Objects.requireNonNull(sink, "alerts");
        return this;
    }

    @Override
    public LeaseStrategyBuilder clock(LockClock lockClock) {
        this.clock = Objects.requireNonNull(lockClock, "clock");
        return this;
    }

    /**
     * Where background work that may wait for the backend runs (releases retried after a failure or an unanswered
     * acquisition): virtual threads by default; tests that drive a manual clock pass {@code Runnable::run}, so that
     * everything runs when the clock moves.
     */
    public LeaseStrategyBuilder background(Executor executor) {
        this.background = Objects.requireNonNull(executor, "background");
        return this;
    }

    private static void startVirtual(Runnable task) {
        Thread.ofVirtual().name("ballast-lock-release").start(task);
    }

    @Override
    public LockStrategy build() {
        SystemLockClock owned = clock == null ? new SystemLockClock("ballast-lock-timer", 1) : null;
        LockClock time = owned != null ? owned : Objects.requireNonNull(clock);
        try {
            return new LeaseLockStrategy(backend.apply(time), listener, alerts, time, owned, background);
        } catch (RuntimeException e) {
            if (owned != null) {
                owned.close();
            }
            throw e;
        }
    }
}
