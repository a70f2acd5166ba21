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
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
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
 *       whose probes of the primary succeed moves it back;
 *   <li>a new mode takes effect only {@code maxLease + 3 * refreshInterval} after the switch (database clock): by then
 *       every holder under the old mode has seen the new epoch (or found its view stale) and stopped renewing, and its
 *       lease, capped at {@code maxLease}, has run out;
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

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);
    private static final String BACKEND = "resilient";
    private static final Duration PROBE_LEASE = Duration.ofMillis(100);

    private final LockStrategy primary;
    private final LockStrategy fallback;
    private final ModeAuthority authority;
    private final Breaker breaker;
    private final ExceptionClassifier classifier;
    private final LockListener listener;
    private final ModeSignals signals;
    private final Duration maxLease;
    private final long refreshNanos;
    private final long staleNanos;
    private final long switchDelayMicros;
    private final long probeNanos;
    private final String instance;
    private final String probeKey;
    private final Set<ResilientHandle> handles = ConcurrentHashMap.newKeySet();
    private final ExecutorService releases = Executors.newVirtualThreadPerTaskExecutor();
    /** Runs the probes: the strategy's clock if one was given, else a timer of their own (they may block on a dead primary). */
    private final LockClock probeClock;
    private final List<SystemLockClock> ownedClocks;
    private final ReentrantLock proposing = new ReentrantLock();
    private final Object viewUpdate = new Object();
    private volatile @Nullable ModeView view;
    private volatile @Nullable Exception lastAuthorityError;
    private volatile boolean closed;
    private final AtomicReference<BreakerState> lastReported = new AtomicReference<>(BreakerState.CLOSED);

    ResilientLockStrategy(
            ResilientLockStrategyBuilder settings,
            ModeAuthority authority,
            LockClock clock,
            LockClock probeClock,
            List<SystemLockClock> ownedClocks) {
        super(clock, settings.listener, settings.alerts);
        this.primary = settings.primary;
        this.fallback = settings.fallback;
        this.authority = authority;
        this.breaker = new Breaker(settings.failureThreshold, settings.probeSuccesses);
        this.classifier = settings.classifier;
        this.listener = settings.listener;
        this.signals = new ModeSignals(settings.instanceName, settings.listener, settings.alerts);
        this.maxLease = settings.maxLease;
        this.refreshNanos = settings.refreshInterval.toNanos();
        this.staleNanos = 2 * refreshNanos;
        this.switchDelayMicros = (settings.maxLease.toNanos() + 3 * refreshNanos) / 1000;
        this.probeNanos = settings.probeInterval.toNanos();
        this.instance = settings.instanceName;
        this.probeKey = "ballast:probe:" + instance;
        this.probeClock = probeClock;
        this.ownedClocks = List.copyOf(ownedClocks);
    }

    /** A builder over a primary (normally Redis) and a fallback (a database backend) sharing the authority's database. */
    public static ResilientLockStrategyBuilder builder(
            LockStrategy primary, LockStrategy fallback, DataSource authority) {
        return new ResilientLockStrategyBuilder(primary, fallback, authority);
    }

    void start() {
        try {
            apply(authority.read(instance));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the lock mode authority: " + e.getMessage(), e);
        }
        repeat(clock, refreshNanos, this::refresh);
        repeat(clock, refreshNanos / 4 + 1, this::watchdog);
        repeat(probeClock, probeNanos, this::probe);
    }

    /** Runs {@code task} every {@code periodNanos} on {@code timer} until the strategy closes. */
    private void repeat(LockClock timer, long periodNanos, Runnable task) {
        timer.schedule(
                () -> {
                    if (closed) {
                        return;
                    }
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.warn("Lock mode task failed: {}", e.toString());
                    } finally {
                        if (!closed) {
                            repeat(timer, periodNanos, task);
                        }
                    }
                },
                periodNanos);
    }

    @Override
    public String backend() {
        return BACKEND;
    }

    /** The backend granting locks now, by this instance's last reading of the authority: the primary's or fallback's. */
    public String activeBackend() {
        ModeView current = view;
        return current != null && current.mode() == LockMode.FALLBACK ? fallback.backend() : primary.backend();
    }

    /** This instance's breaker state for the primary backend. */
    public BreakerState breakerState() {
        return breaker.state();
    }

    /** Stops refreshing, revokes open handles and closes both backends. */
    @Override
    public void close() {
        closed = true;
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
            ModeView current = currentView(key, now);
            long remaining = deadline - now;
            long untilEffective = current.nanosUntilEffective(now);
            if (untilEffective > 0) {
                if (untilEffective > remaining || !sleep(Math.min(untilEffective, refreshNanos))) {
                    throw new LockAcquisitionException(key, waitTime);
                }
                continue;
            }
            if (current.mode() == LockMode.PRIMARY && breaker.state() == BreakerState.OPEN) {
                proposeFallback(current, remaining);
                if (clock.nanoTime() - deadline >= 0) {
                    throw new LockAcquisitionException(key, waitTime);
                }
                continue;
            }
            LockHandle granted = tryBackend(current, key, Math.max(0, remaining), lease, deadline, waitTime);
            if (granted == null) {
                continue; // the primary failed and the breaker moved: look at the mode again
            }
            ResilientHandle handle = new ResilientHandle(this, granted, current.epoch(), current.mode(), now);
            handles.add(handle);
            ModeView after = view;
            if (after == null || after.epoch() != current.epoch() || after.ageNanos(clock.nanoTime()) > staleNanos) {
                handle.close(); // the epoch ended while we acquired: this grant must not be used
                if (clock.nanoTime() - deadline >= 0) {
                    throw new LockAcquisitionException(key, waitTime);
                }
                continue;
            }
            return handle;
        }
    }

    /** One caller proposes the fail-over; the others wait a little for the new mode instead of all writing the row. */
    private void proposeFallback(ModeView current, long remaining) {
        if (proposing.tryLock()) {
            try {
                propose(LockMode.FALLBACK, current);
            } finally {
                proposing.unlock();
            }
        } else {
            sleep(Math.min(refreshNanos, Math.max(0, remaining)));
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
                breaker.success();
            }
            return granted;
        } catch (LockAcquisitionException busy) {
            throw new LockAcquisitionException(key, waitTime); // the caller's whole wait, not the backend's remainder
        } catch (LockBackendException e) {
            boolean primaryOutage =
                    current.mode() == LockMode.PRIMARY && classifier.classify(e) == ErrorCategory.INFRASTRUCTURE;
            if (primaryOutage) {
                breakerMoved(breaker.failure());
            }
            if (!primaryOutage || clock.nanoTime() - deadline >= 0) {
                throw e;
            }
            return null;
        }
    }

    private ModeView currentView(String key, long now) {
        ModeView current = view;
        if (current == null || current.ageNanos(now) > staleNanos) {
            Exception cause = lastAuthorityError;
            throw new LockBackendException(
                    BACKEND,
                    "read the lock mode authority for",
                    key,
                    cause != null
                            ? cause
                            : new TimeoutException("no answer from the lock mode authority for "
                                    + TimeUnit.NANOSECONDS.toMillis(current == null ? 0 : current.ageNanos(now))
                                    + " ms"));
        }
        return current;
    }

    void forget(ResilientHandle handle, long acquiredAt) {
        handles.remove(handle);
        listener.released(BACKEND, handle, clock.nanoTime() - acquiredAt);
    }

    /** The backend itself lost the lease of {@code handle} (renewal refused, or it ran out): tell the listener. */
    void innerLeaseLost(ResilientHandle handle) {
        listener.leaseLost(BACKEND, handle);
    }

    private void refresh() {
        try {
            apply(authority.read(instance));
            lastAuthorityError = null;
        } catch (SQLException | RuntimeException e) {
            lastAuthorityError = e;
            log.debug("Lock mode authority unreadable: {}", e.toString());
        }
    }

    private void apply(ModeView fresh) {
        ModeView previous;
        synchronized (viewUpdate) {
            previous = view;
            if (previous != null && previous.sentNanos() - fresh.sentNanos() > 0) {
                return; // an older reading finished late
            }
            view = fresh;
        }
        if (previous != null && previous.epoch() != fresh.epoch()) {
            revoke(handle -> handle.epoch != fresh.epoch(), "the lock mode changed to " + fresh.mode());
            if (fresh.mode() == LockMode.FALLBACK) {
                breakerMoved(breaker.open());
            }
            long effectiveIn = TimeUnit.NANOSECONDS.toMillis(fresh.nanosUntilEffective(clock.nanoTime()));
            signals.followed(
                    name(previous.mode()),
                    name(fresh.mode()),
                    fresh.mode() == LockMode.FALLBACK,
                    fresh.epoch(),
                    fresh.changedBy(),
                    effectiveIn);
        }
    }

    private String name(LockMode mode) {
        return mode == LockMode.PRIMARY ? primary.backend() : fallback.backend();
    }

    private void watchdog() {
        ModeView current = view;
        if (current == null || current.ageNanos(clock.nanoTime()) > staleNanos) {
            revoke(handle -> true, "the lock mode authority has not answered for " + (staleNanos / 1_000_000) + " ms");
        }
    }

    private void probe() {
        ModeView current = view;
        if (current == null || (current.mode() == LockMode.PRIMARY && breaker.state() == BreakerState.CLOSED)) {
            return;
        }
        try (LockHandle ignored = primary.tryAcquire(probeKey, Duration.ZERO, PROBE_LEASE)) {
            breakerMoved(breaker.probeSucceeded());
        } catch (LockAcquisitionException busy) {
            breakerMoved(breaker.probeSucceeded()); // the primary answered; an earlier probe's lease is still there
        } catch (RuntimeException e) {
            breakerMoved(breaker.failure());
        }
        long now = clock.nanoTime();
        if (breaker.state() == BreakerState.CLOSED
                && current.mode() == LockMode.FALLBACK
                && current.nanosUntilEffective(now) == 0
                && current.ageNanos(now) <= staleNanos) {
            propose(LockMode.PRIMARY, current);
        } else if (breaker.state() == BreakerState.OPEN && current.mode() == LockMode.PRIMARY) {
            propose(LockMode.FALLBACK, current);
        }
    }

    private void propose(LockMode to, ModeView from) {
        try {
            if (authority.trySwitch(to, from.epoch(), switchDelayMicros, instance)) {
                signals.switched(
                        name(from.mode()), name(to), to == LockMode.FALLBACK, from.epoch() + 1, switchDelayMicros / 1000);
            }
            apply(authority.read(instance));
        } catch (SQLException | RuntimeException e) {
            lastAuthorityError = e;
            log.warn("Could not switch the lock mode to {}: {}", to, e.toString());
        }
    }

    private void breakerMoved(BreakerState state) {
        BreakerState previous = lastReported.getAndSet(state);
        if (previous != state) {
            listener.breakerChanged(primary.backend(), state);
        }
    }

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
                abandonable.abandon(); // stop renewing but do not release: the lease runs out while the holder winds down
            } else {
                releases.execute(handle.delegate::close);
            }
        }
        signals.revoked(revoked.size(), why);
    }

    /** Sleeps (real time, bounded by the caller); false if interrupted (the interrupt flag is kept). */
    private static boolean sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
