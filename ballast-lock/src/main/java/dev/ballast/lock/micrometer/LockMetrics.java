package dev.ballast.lock.micrometer;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link LockListener} that records lock metrics, tagged by {@code backend} (never by key: keys are unbounded):
 *
 * <ul>
 *   <li>{@code ballast.lock.wait} (timer, tag {@code result}: {@code acquired|timeout|error}): time spent acquiring,
 *       whose count is the number of acquisition attempts by result;
 *   <li>{@code ballast.lock.held} (timer): how long locks were held;
 *   <li>{@code ballast.lock.lease.lost} (counter): leases lost while held (for a resilient strategy, also handles
 *       revoked by a mode switch);
 *   <li>{@code ballast.lock.lease.lost.after.work} (counter): leases lost after the guarded work had completed while
 *       still holding them; the work's result was kept;
 *   <li>{@code ballast.lock.fallback.switches} (counter, tags {@code from}, {@code to}): mode switches this instance
 *       made, e.g. {@code redis} to {@code jdbc} and back;
 *   <li>{@code ballast.lock.mode.changes} (counter, tags {@code from}, {@code to}): mode changes this instance followed,
 *       whichever instance made them (every instance counts each change once);
 *   <li>{@code ballast.lock.breaker.state} (gauge): this instance's breaker in front of {@code backend}: 0 closed, 1
 *       half-open, 2 open.
 * </ul>
 *
 * Thread-safe.
 */
public final class LockMetrics implements LockListener {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, AtomicInteger> breakers = new ConcurrentHashMap<>();

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

    @Override
    public void leaseLostAfterWork(String backend, LockHandle handle) {
        Counter.builder("ballast.lock.lease.lost.after.work")
                .description("Leases lost after the guarded work completed holding them; the result was kept")
                .tag("backend", backend)
                .register(registry)
                .increment();
    }

    @Override
    public void modeFollowed(String from, String to, long epoch) {
        Counter.builder("ballast.lock.mode.changes")
                .description("Lock mode changes this instance followed, whichever instance made them")
                .tag("from", from)
                .tag("to", to)
                .register(registry)
                .increment();
    }

    @Override
    public void modeSwitched(String from, String to, long epoch) {
        Counter.builder("ballast.lock.fallback.switches")
                .description("Lock mode switches made by this instance, from one backend to another")
                .tag("from", from)
                .tag("to", to)
                .register(registry)
                .increment();
    }

    @Override
    public void breakerChanged(String backend, BreakerState state) {
        breakers.computeIfAbsent(backend, name -> {
                    AtomicInteger value = new AtomicInteger();
                    Gauge.builder("ballast.lock.breaker.state", value, AtomicInteger::get)
                            .description("Circuit breaker in front of a lock backend: 0 closed, 1 half-open, 2 open")
                            .tag("backend", name)
                            .register(registry);
                    return value;
                })
                .set(state.ordinal());
    }

    /**
     * Registers, at 0, the counters and timers alert rules watch for {@code backend} ({@code lease.lost},
     * {@code lease.lost.after.work}, {@code wait} by result), so that a rule such as {@code increase(...) > 0} sees the
     * first event; {@code from} and {@code to} (a resilient chain's primary and fallback, or none) also register both
     * directions of {@code fallback.switches} and {@code mode.changes}. Returns this.
     */
    public LockMetrics registerAtZero(String backend, String... fromTo) {
        Counter.builder("ballast.lock.lease.lost")
                .description("Leases lost while the lock was held")
                .tag("backend", backend)
                .register(registry);
        Counter.builder("ballast.lock.lease.lost.after.work")
                .description("Leases lost after the guarded work completed holding them; the result was kept")
                .tag("backend", backend)
                .register(registry);
        for (String result : new String[] {"acquired", "timeout", "error"}) {
            wait(backend, result);
        }
        if (fromTo.length == 2) {
            for (String[] pair : new String[][] {{fromTo[0], fromTo[1]}, {fromTo[1], fromTo[0]}}) {
                Counter.builder("ballast.lock.fallback.switches")
                        .description("Lock mode switches made by this instance, from one backend to another")
                        .tag("from", pair[0])
                        .tag("to", pair[1])
                        .register(registry);
                Counter.builder("ballast.lock.mode.changes")
                        .description("Lock mode changes this instance followed, whichever instance made them")
                        .tag("from", pair[0])
                        .tag("to", pair[1])
                        .register(registry);
            }
        }
        return this;
    }

    private Timer wait(String backend, String result) {
        return Timer.builder("ballast.lock.wait")
                .description("Time spent acquiring locks, by result")
                .tag("backend", backend)
                .tag("result", result)
                .register(registry);
    }
}
