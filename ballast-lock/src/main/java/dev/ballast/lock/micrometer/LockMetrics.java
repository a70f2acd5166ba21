package dev.ballast.lock.micrometer;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LockListener} that records lock metrics, tagged by {@code backend} (never by key: keys are unbounded):
 *
 * <ul>
 *   <li>{@code ballast.lock.wait} (timer, tag {@code result}: {@code acquired|timeout|error}): time spent acquiring,
 *       whose count is the number of acquisition attempts by result;
 *   <li>{@code ballast.lock.held} (timer): how long locks were held;
 *   <li>{@code ballast.lock.lease.lost} (counter): leases lost while held.
 * </ul>
 *
 * Thread-safe.
 */
public final class LockMetrics implements LockListener {

    private final MeterRegistry registry;

    private LockMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics recorded in {@code registry}. */
    public static LockMetrics create(MeterRegistry registry) {
        return new LockMetrics(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public void acquired(String backend, LockHandle handle, long waitNanos) {
        wait(backend, "acquired").record(waitNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void notAcquired(String backend, String key, long waitNanos) {
        wait(backend, "timeout").record(waitNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void backendFailed(String backend, String key, RuntimeException error) {
        wait(backend, "error").record(0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void released(String backend, LockHandle handle, long heldNanos) {
        Timer.builder("ballast.lock.held")
                .description("How long locks were held")
                .tag("backend", backend)
                .register(registry)
                .record(heldNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void leaseLost(String backend, LockHandle handle) {
        Counter.builder("ballast.lock.lease.lost")
                .description("Leases lost while the lock was held")
                .tag("backend", backend)
                .register(registry)
                .increment();
    }

    private Timer wait(String backend, String result) {
        return Timer.builder("ballast.lock.wait")
                .description("Time spent acquiring locks, by result")
                .tag("backend", backend)
                .tag("result", result)
                .register(registry);
    }
}
