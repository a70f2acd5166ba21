package dev.ballast.lock.resilient;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockListener.BreakerState;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.internal.Abandonable;
import dev.ballast.lock.internal.GuardedLockStrategy;
import dev.ballast.lock.internal.LeaseLockStrategy;
import dev.ballast.lock.internal.SystemLockClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A primary lock backend (Redis) with a database fallback, behind a circuit breaker, that keeps mutual exclusion across
 * the switch. Build one with {@link #builder}. Thread-safe.
 *
 * <p>Why a plain fallback chain is unsafe: instance A cannot reach Redis and locks {@code k} in the database while
 * instance B, which still reaches Redis, locks {@code k} in Redis. Here the mode (primary or fallback) is decided by one
 * row in the database, the <em>authority</em>, which every instance re-reads every {@code refreshInterval}:
 *
 * <ul>
 *   <li>an instance whose breaker opens (consecutive infrastructure failures of the primary, as the {@link
 *       ExceptionClassifier} sees them) moves the row to the fallback with a compare-and-set on its epoch; an instance
 *       moves it back after {@code probeSuccesses} probes in a row that reached every server of the primary (each
 *       primary of a Redis Cluster) and a {@code quietPeriod} without a failure of the primary recorded in the row by
 *       any instance (each records the failures it sees), with a compare-and-set on the epoch and that record;
 *   <li>a new mode takes effect only {@code maxLease + 3 * refreshInterval} after the switch (database clock): by then
 *       every holder under the old mode has seen the new epoch (or found its view stale) and stopped renewing, and its
 *       lease, capped at {@code maxLease}, has run out. Until then, on a switch to the fallback, no lock is granted; on
 *       the switch back, whose old mode (the fallback) still answers, a caller locks on both backends, the fallback
 *       first and then the primary, so it does not wait for the switch;
 *   <li>handles are bound to their epoch: a new epoch, or a view older than {@code 2 * refreshInterval}, revokes them:
 *       they turn invalid, the listener and a WARNING alert are told, and their renewal stops, so their leases run out
 *       (they are not released early: the revoked holder may still be finishing);
 *   <li>strict: while the authority cannot be read, no lock is granted in either mode;
 *   <li>fencing tokens of the Redis and JDBC backends are floored at their server's clock in microseconds, so a token
 *       issued after a switch exceeds every token issued before it, as long as the two servers' clocks differ by less
 *       than the switch delay.
 * </ul>
 *
 * <p>Every instance reports each mode change it follows (log, alert, listener {@code modeFollowed}), not only the one
 * that made the switch. Each wait is reported to the listener once, under backend {@code resilient}: the inner
 * strategies' own wait, hold and failure events are not reported for acquisitions made through this one.
 *
 * <p>Only backend failures count: an exception from the guarded code, whatever it wraps, propagates untouched and never
 * moves the breaker. Requested leases longer than {@code maxLease} are shortened to it (renewal keeps the lock while the
 * holder runs).
 */
public final class ResilientLockStrategy extends GuardedLockStrategy {

    private static final String BACKEND = "resilient";
    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);

    private final LockStrategy primary;
    private final LockStrategy fallback;
    private final ModeKeeper modes;
    private final ExceptionClassifier classifier;
    private final LockListener listener;
    private final ModeSignals signals;
    private final Duration maxLease;
    private final Set<ResilientHandle> handles = ConcurrentHashMap.newKeySet();
    private final ExecutorService releases = Executors.newVirtualThreadPerTaskExecutor();
    private final List<SystemLockClock> ownedClocks;
    private volatile boolean primaryRaisesFences = true;

    ResilientLockStrategy(
            ResilientLockStrategyBuilder settings,
            ModeAuthority authority,
            LockClock clock,
            LockClock probeClock,
            List<SystemLockClock> ownedClocks) {
        super(clock, settings.listener, settings.alerts);
        this.primary = settings.primary;
        this.fallback = settings.fallback;
        this.classifier = settings.classifier;
        this.listener = settings.listener;
        this.signals = new ModeSignals(settings.instanceName, settings.listener, settings.alerts);
        this.maxLease = settings.maxLease;
        this.ownedClocks = List.copyOf(ownedClocks);
        this.modes = new ModeKeeper(settings, authority, clock, probeClock, this::revoke);
    }

    /** A builder over a primary (normally Redis) and a fallback (a database backend) sharing the authority's database. */
    public static ResilientLockStrategyBuilder builder(
            LockStrategy primary, LockStrategy fallback, DataSource authority) {
        return new ResilientLockStrategyBuilder(primary, fallback, authority);
    }

    void start() {
        modes.start();
    }

    @Override
    public String backend() {
        return BACKEND;
    }

    /** The backend granting locks now, by this instance's last reading of the authority: the primary's or fallback's. */
    public String activeBackend() {
        ModeView current = modes.view();
        return current != null && current.mode() == LockMode.FALLBACK ? fallback.backend() : primary.backend();
    }

    /** The mode in force by this instance's last reading of the authority (PRIMARY until the first reading). */
    public LockMode mode() {
        ModeView current = modes.view();
        return current == null ? LockMode.PRIMARY : current.mode();
    }

    /**
     * Operator control: moves every instance's locks to {@code to}, as the automatic fail-over would (same switch delay,
     * the same WARNING/INFO alert), recording {@code actor} as who asked. A move to {@link LockMode#FALLBACK} made this
     * way is pinned: probes of a healthy primary do not move locks back; only a move to {@link LockMode#PRIMARY} does
     * (after which a failing primary still fails over on its own).
     *
     * @return true if this call switched the mode; false if it already was {@code to} or another switch came first
     * @throws IllegalStateException if the mode authority (the database) cannot be read or written
     */
    public boolean switchMode(LockMode to, String actor) {
        return modes.switchTo(
                java.util.Objects.requireNonNull(to, "to"), java.util.Objects.requireNonNull(actor, "actor"));
    }

    /** This instance's breaker state for the primary backend. */
    public BreakerState breakerState() {
        return modes.breakerState();
    }

    /** Stops refreshing, revokes open handles and closes both backends. */
    @Override
    public void close() {
        modes.close();
        ownedClocks.forEach(SystemLockClock::close);
        revoke(handle -> true, "the strategy was closed");
        releases.close();
        primary.close();
        fallback.close();
    }

    @Override
    protected LockHandle acquire(String key, long deadline, Duration waitTime, Duration leaseTime) {
        Duration lease = leaseTime.compareTo(maxLease) > 0 ? maxLease : leaseTime;
        long startedAt = clock.nanoTime();
        try {
            LockHandle handle = acquireInMode(key, deadline, waitTime, lease);
            listener.acquired(BACKEND, handle, clock.nanoTime() - startedAt);
            return handle;
        } catch (LockAcquisitionException e) {
            listener.notAcquired(BACKEND, key, clock.nanoTime() - startedAt);
            throw e;
        } catch (LockBackendException e) {
            listener.backendFailed(BACKEND, key, e);
            throw e;
        }
    }

    private LockHandle acquireInMode(String key, long deadline, Duration waitTime, Duration lease) {
        while (true) {
            long now = clock.nanoTime();
            ModeView current = modes.currentView(key, now);
            long remaining = deadline - now;
            long untilEffective = current.nanosUntilEffective(now);
            LockHandle granted;
            if (untilEffective > 0) {
                granted = handingOver(current) ? tryHandover(key, remaining, lease, deadline, waitTime) : null;
                if (granted == null) {
                    // a switch back may become possible to hand over (a probe closes the breaker, Redis reconnects)
                    // before it takes effect: keep trying until the deadline instead of refusing at once
                    boolean retry = current.mode() == LockMode.PRIMARY && primaryRaisesFences;
                    long pause = Math.min(untilEffective, modes.refreshNanos());
                    if ((untilEffective > remaining && !retry)
                            || remaining <= 0
                            || !sleep(Math.min(pause, remaining))) {
                        throw new LockAcquisitionException(key, waitTime);
                    }
                    continue;
                }
            } else if (current.mode() == LockMode.PRIMARY && modes.breakerState() == BreakerState.OPEN) {
                modes.proposeFallback(current, remaining);
                if (clock.nanoTime() - deadline >= 0) {
                    throw new LockAcquisitionException(key, waitTime);
                }
                continue;
            } else {
                granted = tryBackend(current, key, Math.max(0, remaining), lease, deadline, waitTime);
                if (granted == null) {
                    continue; // the primary failed and the breaker moved: look at the mode again
                }
            }
            ResilientHandle handle = new ResilientHandle(this, granted, current.epoch(), current.mode(), now);
            handles.add(handle);
            ModeView after = modes.view();
            if (after == null
                    || after.epoch() != current.epoch()
                    || after.ageNanos(clock.nanoTime()) > modes.staleNanos()) {
                handle.close(); // the epoch ended while we acquired: this grant must not be used
                if (clock.nanoTime() - deadline >= 0) {
                    throw new LockAcquisitionException(key, waitTime);
                }
                continue;
            }
            return handle;
        }
    }

    /**
     * Whether a caller may lock on both backends instead of waiting for a pending switch: only on the way back to the
     * primary (the fallback, the old mode, still answers), with a primary that can raise its fencing counter, and while
     * this instance's breaker does not hold the primary for down.
     */
    private boolean handingOver(ModeView current) {
        return current.mode() == LockMode.PRIMARY
                && primaryRaisesFences
                && primary instanceof LeaseLockStrategy
                && modes.breakerState() != BreakerState.OPEN;
    }

    /**
     * Locks {@code key} on the fallback, then on the primary (always in this order, so two hand-overs never deadlock),
     * having first raised the primary's fencing counter above the fallback's token. The fallback lock excludes the
     * holders of instances that still lock there (they have not seen the switch yet, or hold a revoked lease until it
     * runs out); the primary lock excludes everyone who locks on the primary once the switch takes effect. Null if the
     * primary could not be used (an outage, counted by the breaker, or no fence support): the caller then waits for
     * the switch as before.
     */
    private @Nullable LockHandle tryHandover(
            String key, long remainingNanos, Duration lease, long deadline, Duration waitTime) {
        LeaseLockStrategy next = (LeaseLockStrategy) primary;
        LockHandle old;
        try {
            Duration wait = Duration.ofNanos(Math.max(0, remainingNanos));
            old = fallback instanceof LeaseLockStrategy inner
                    ? inner.tryAcquireUnobserved(key, wait, lease)
                    : fallback.tryAcquire(key, wait, lease);
        } catch (LockAcquisitionException busy) {
            throw new LockAcquisitionException(key, waitTime);
        }
        try {
            if (!next.raiseFence(key, old.fencingToken())) {
                primaryRaisesFences = false; // a backend without fence support: wait for switches, as before
                old.close();
                return null;
            }
            Duration left = Duration.ofNanos(Math.max(0, deadline - clock.nanoTime()));
            LockHandle granted = next.tryAcquireUnobserved(key, left, lease);
            modes.primarySucceeded();
            return new HandoverHandle(old, granted);
        } catch (LockAcquisitionException busy) {
            old.close();
            throw new LockAcquisitionException(key, waitTime);
        } catch (LockBackendException e) {
            old.close();
            if (classifier.classify(e) == ErrorCategory.INFRASTRUCTURE) {
                modes.primaryFailed();
            }
            // the fallback still answers: the caller waits for the switch (or a later hand-over) rather than failing
            log.debug("Hand-over to {} failed for '{}': {}", primary.backend(), key, e.toString());
            return null;
        } catch (RuntimeException | Error e) {
            old.close();
            throw e;
        }
    }

    private @Nullable LockHandle tryBackend(
            ModeView current, String key, long remainingNanos, Duration lease, long deadline, Duration waitTime) {
        LockStrategy target = current.mode() == LockMode.PRIMARY ? primary : fallback;
        Duration wait = Duration.ofNanos(remainingNanos);
        try {
            LockHandle granted = target instanceof LeaseLockStrategy inner
                    ? inner.tryAcquireUnobserved(key, wait, lease)
                    : target.tryAcquire(key, wait, lease);
            if (current.mode() == LockMode.PRIMARY) {
                modes.primarySucceeded();
            }
            return granted;
        } catch (LockAcquisitionException busy) {
            throw new LockAcquisitionException(key, waitTime); // the caller's whole wait, not the backend's remainder
        } catch (LockBackendException e) {
            boolean primaryOutage =
                    current.mode() == LockMode.PRIMARY && classifier.classify(e) == ErrorCategory.INFRASTRUCTURE;
            if (primaryOutage) {
                modes.primaryFailed();
            }
            if (!primaryOutage || clock.nanoTime() - deadline >= 0) {
                throw e;
            }
            return null;
        }
    }

    void forget(ResilientHandle handle, long acquiredAt) {
        handles.remove(handle);
        listener.released(BACKEND, handle, clock.nanoTime() - acquiredAt);
    }

    /** The backend itself lost the lease of {@code handle} (renewal refused, or it ran out): tell the listener. */
    void innerLeaseLost(ResilientHandle handle) {
        listener.leaseLost(BACKEND, handle);
    }

    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // handles is a concurrent set: its iterator allows removal
    private void revoke(Predicate<ResilientHandle> which, String why) {
        List<ResilientHandle> revoked = new ArrayList<>();
        for (ResilientHandle handle : handles) {
            if (which.test(handle) && handle.revoke()) {
                handles.remove(handle);
                revoked.add(handle);
            }
        }
        if (revoked.isEmpty()) {
            return;
        }
        for (ResilientHandle handle : revoked) {
            listener.leaseLost(BACKEND, handle);
            if (handle.delegate instanceof Abandonable abandonable) {
                abandonable
                        .abandon(); // stop renewing but do not release: the lease runs out while the holder winds down
            } else {
                releases.execute(handle.delegate::close);
            }
        }
        signals.revoked(revoked.size(), why);
    }

    /** Sleeps (real time, bounded by the caller); false if interrupted (the interrupt flag is kept). */
    static boolean sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
