package dev.ballast.lock.resilient;

import dev.ballast.core.CheckedSupplier;
import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockKeys;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockListener.BreakerState;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.internal.Abandonable;
import dev.ballast.lock.internal.Guarded;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>Only backend failures count: an exception from the guarded code, whatever it wraps, propagates untouched and never
 * moves the breaker. Requested leases longer than {@code maxLease} are shortened to it (renewal keeps the lock while the
 * holder runs).
 */
public final class ResilientLockStrategy implements LockStrategy {

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);
    private static final String BACKEND = "resilient";
    private static final Duration PROBE_LEASE = Duration.ofMillis(100);

    private final LockStrategy primary;
    private final LockStrategy fallback;
    private final ModeAuthority authority;
    private final Breaker breaker;
    private final ExceptionClassifier classifier;
    private final LockListener listener;
    private final AlertSink alerts;
    private final Duration maxLease;
    private final long refreshNanos;
    private final long staleNanos;
    private final long switchDelayMicros;
    private final String instance;
    private final String probeKey;
    private final Set<ResilientHandle> handles = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService releases = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService prober;
    private final Object viewUpdate = new Object();
    private volatile @Nullable ModeView view;
    private volatile @Nullable Exception lastAuthorityError;
    private final AtomicReference<BreakerState> lastReported = new AtomicReference<>(BreakerState.CLOSED);

    ResilientLockStrategy(ResilientLockStrategyBuilder settings, ModeAuthority authority) {
        this.primary = settings.primary;
        this.fallback = settings.fallback;
        this.authority = authority;
        this.breaker = new Breaker(settings.failureThreshold, settings.probeSuccesses);
        this.classifier = settings.classifier;
        this.listener = settings.listener;
        this.alerts = settings.alerts;
        this.maxLease = settings.maxLease;
        this.refreshNanos = settings.refreshInterval.toNanos();
        this.staleNanos = 2 * refreshNanos;
        this.switchDelayMicros = (settings.maxLease.toNanos() + 3 * refreshNanos) / 1000;
        this.instance = settings.instanceName;
        this.probeKey = "ballast:probe:" + instance;
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(
                2, runnable -> daemon(runnable, "ballast-lock-mode-" + threads.incrementAndGet()));
        // probes wait for a possibly dead primary: on their own thread, so they never delay the authority refresh
        this.prober = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, "ballast-lock-probe"));
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
        long refreshMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(refreshNanos));
        scheduler.scheduleWithFixedDelay(this::refresh, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(
                this::watchdog, refreshMillis / 4 + 1, refreshMillis / 4 + 1, TimeUnit.MILLISECONDS);
    }

    void scheduleProbes(Duration probeInterval) {
        prober.scheduleWithFixedDelay(
                this::probe, probeInterval.toMillis(), probeInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public LockHandle tryAcquire(String key, Duration waitTime, Duration leaseTime) {
        LockKeys.requireValid(key);
        LockKeys.requireWait(waitTime);
        LockKeys.requireLease(leaseTime);
        return acquire(key, System.nanoTime() + waitTime.toNanos(), waitTime, leaseTime);
    }

    @Override
    public <T extends @Nullable Object> T executeWithLocks(
            Collection<String> keys, Duration waitTime, Duration leaseTime, CheckedSupplier<T> task) {
        return Guarded.runWithAll(
                keys, waitTime, leaseTime, (key, deadline) -> acquire(key, deadline, waitTime, leaseTime), task);
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
        scheduler.shutdownNow();
        prober.shutdownNow();
        revoke(handle -> true, "the strategy was closed");
        releases.close();
        primary.close();
        fallback.close();
    }

    private LockHandle acquire(String key, long deadline, Duration waitTime, Duration leaseTime) {
        Duration lease = leaseTime.compareTo(maxLease) > 0 ? maxLease : leaseTime;
        long startedAt = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            ModeView current = currentView(key, now);
            long remaining = deadline - now;
            long untilEffective = current.nanosUntilEffective(now);
            if (untilEffective > 0) {
                if (untilEffective > remaining) {
                    throw notAcquired(key, waitTime, startedAt);
                }
                if (!sleep(Math.min(untilEffective, refreshNanos))) {
                    throw notAcquired(key, waitTime, startedAt);
                }
                continue;
            }
            if (current.mode() == LockMode.PRIMARY && breaker.state() == BreakerState.OPEN) {
                propose(LockMode.FALLBACK, current);
                if (System.nanoTime() - deadline >= 0) {
                    throw notAcquired(key, waitTime, startedAt);
                }
                continue;
            }
            LockHandle granted = tryBackend(current, key, Math.max(0, remaining), lease, deadline, waitTime, startedAt);
            if (granted == null) {
                continue; // the primary failed and the breaker moved: look at the mode again
            }
            ResilientHandle handle = new ResilientHandle(this, granted, current.epoch(), current.mode());
            handles.add(handle);
            ModeView after = view;
            if (after == null || after.epoch() != current.epoch() || after.ageNanos(System.nanoTime()) > staleNanos) {
                handle.close(); // the epoch ended while we acquired: this grant must not be used
                if (System.nanoTime() - deadline >= 0) {
                    throw notAcquired(key, waitTime, startedAt);
                }
                continue;
            }
            listener.acquired(BACKEND, handle, System.nanoTime() - startedAt);
            return handle;
        }
    }

    private @Nullable LockHandle tryBackend(
            ModeView current,
            String key,
            long remainingNanos,
            Duration lease,
            long deadline,
            Duration waitTime,
            long startedAt) {
        LockStrategy target = current.mode() == LockMode.PRIMARY ? primary : fallback;
        try {
            LockHandle granted = target.tryAcquire(key, Duration.ofNanos(remainingNanos), lease);
            if (current.mode() == LockMode.PRIMARY) {
                breaker.success();
            }
            return granted;
        } catch (LockAcquisitionException busy) {
            throw notAcquired(key, waitTime, startedAt);
        } catch (LockBackendException e) {
            listener.backendFailed(target.backend(), key, e);
            boolean primaryOutage =
                    current.mode() == LockMode.PRIMARY && classifier.classify(e) == ErrorCategory.INFRASTRUCTURE;
            if (primaryOutage) {
                breakerMoved(breaker.failure());
            }
            if (!primaryOutage || System.nanoTime() - deadline >= 0) {
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

    private LockAcquisitionException notAcquired(String key, Duration waitTime, long startedAt) {
        listener.notAcquired(BACKEND, key, System.nanoTime() - startedAt);
        return new LockAcquisitionException(key, waitTime);
    }

    void forget(ResilientHandle handle, long heldNanos) {
        handles.remove(handle);
        listener.released(BACKEND, handle, heldNanos);
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
        }
    }

    private void watchdog() {
        ModeView current = view;
        if (current == null || current.ageNanos(System.nanoTime()) > staleNanos) {
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
        long now = System.nanoTime();
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
                switched(from.mode(), to, from.epoch() + 1);
            }
            apply(authority.read(instance));
        } catch (SQLException | RuntimeException e) {
            lastAuthorityError = e;
            log.warn("Could not switch the lock mode to {}: {}", to, e.toString());
        }
    }

    private void switched(LockMode from, LockMode to, long epoch) {
        String fromName = from == LockMode.PRIMARY ? primary.backend() : fallback.backend();
        String toName = to == LockMode.PRIMARY ? primary.backend() : fallback.backend();
        long delayMillis = switchDelayMicros / 1000;
        listener.modeSwitched(fromName, toName, epoch);
        alerts.send(Alert.builder(
                        to == LockMode.FALLBACK ? Severity.WARNING : Severity.INFO,
                        to == LockMode.FALLBACK
                                ? "Locks failed over from " + fromName + " to " + toName
                                : "Locks returned from " + fromName + " to " + toName)
                .detail("Instance " + instance + " switched the lock mode to " + toName + " (epoch " + epoch
                        + "); no lock is granted until " + delayMillis + " ms have passed, so every holder under "
                        + fromName + " has let go")
                .label("module", "lock")
                .label("backend", toName)
                .fingerprint("lock-mode|" + toName)
                .build());
        log.warn(
                "Lock mode switched from {} to {} (epoch {}), effective in {} ms",
                fromName,
                toName,
                epoch,
                delayMillis);
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
                abandonable
                        .abandon(); // stop renewing but do not release: the lease runs out while the holder winds down
            } else {
                releases.execute(handle.delegate::close);
            }
        }
        alerts.send(Alert.builder(Severity.WARNING, "Locks revoked")
                .detail(revoked.size() + " lock(s) held on instance " + instance + " were revoked because " + why
                        + "; writes not fenced by their tokens may overlap with the next holders'")
                .label("module", "lock")
                .label("backend", BACKEND)
                .fingerprint("lock-revoked|" + instance)
                .build());
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Sleeps; false if interrupted (the interrupt flag is kept). */
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
