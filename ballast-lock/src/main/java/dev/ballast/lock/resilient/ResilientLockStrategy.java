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
import dev.ballast.lock.internal.GuardedLockStrategy;
import dev.ballast.lock.internal.LeaseLockStrategy;
import dev.ballast.lock.internal.SystemLockClock;
import dev.ballast.lock.internal.UnansweredWait;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

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
 *   <li>handles are bound to their epoch. A new epoch (a switch, in either direction) retires them: their renewal
 *       stops and they stay valid until their last granted lease runs out, never past the earliest moment the new mode
 *       can take effect (estimated early by the database's clock); a holder that lets go by then has lost nothing and
 *       nothing is reported, one that holds on longer is reported as a lost lease (listener {@code leaseLost}, a
 *       WARNING alert) once. A view older than {@code 2 * refreshInterval} revokes them: they turn invalid at once and
 *       the loss is reported. A revoked lease is not released early, a retired one only when its holder lets go (in
 *       the background), so a lease whose holder may still work runs out;
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

    private final LockStrategy primary;
    private final LockStrategy fallback;
    private final ModeKeeper modes;
    private final ExceptionClassifier classifier;
    private final LockListener listener;
    private final Duration maxLease;
    private final HeldHandles handles;
    private final List<SystemLockClock> ownedClocks;
    private final Handover handover;

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
        this.maxLease = settings.maxLease;
        this.ownedClocks = List.copyOf(ownedClocks);
        ModeSignals signals = new ModeSignals(settings.instanceName, settings.listener, settings.alerts);
        this.handles = new HeldHandles(settings.listener, signals, clock, maxLease);
        this.modes = new ModeKeeper(settings, authority, clock, probeClock, handles);
        this.handover = new Handover(primary, fallback, modes, classifier, clock);
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

    /**
     * How long until the mode in force by this instance's last reading takes effect: after a switch, the rest of its
     * delay ({@code maxLease + 3 * refreshInterval}; a switch to the fallback grants nothing before it, a switch back
     * locks on both backends until it); zero once it has taken effect, and before the first reading.
     */
    public Duration untilModeEffective() {
        ModeView current = modes.view();
        return current == null ? Duration.ZERO : Duration.ofNanos(current.nanosUntilEffective(clock.nanoTime()));
    }

    /**
     * Why this instance grants no lock now, in either mode, if that is so: it has not read the lock mode authority (the
     * database) for longer than {@code 2 * refreshInterval}, so the mode may have changed unseen; the text says how long
     * and the last failed read's error. Empty while a recent reading confirms the mode (and before the first reading).
     */
    public java.util.Optional<String> modeUnconfirmed() {
        return java.util.Optional.ofNullable(modes.unconfirmed(clock.nanoTime()));
    }

    /** The mode in force by this instance's last reading of the authority (PRIMARY until the first reading). */
    public LockMode mode() {
        ModeView current = modes.view();
        return current == null ? LockMode.PRIMARY : current.mode();
    }

    /**
     * Who made the mode in force what it is, as the authority records it by this instance's last reading: for an
     * operator's switch {@code "operator:<name> via <instance>"} (a long name loses its middle to the column's 128
     * characters), for an automatic fail-over or return the instance that proposed it; empty before the first reading.
     */
    public java.util.Optional<String> modeChangedBy() {
        ModeView current = modes.view();
        return java.util.Optional.ofNullable(current == null ? null : current.changedBy());
    }

    /**
     * Operator control: moves every instance's locks to {@code to}, as the automatic fail-over would (same switch delay,
     * the same WARNING/INFO alert), recording {@code actor} as who asked. A move to {@link LockMode#FALLBACK} made this
     * way is pinned: probes of a healthy primary do not move locks back; only a move to {@link LockMode#PRIMARY} does
     * (after which a failing primary still fails over on its own).
     *
     * @return true if this call switched the mode; false if it already was {@code to} or another switch came first
     * @throws IllegalStateException if the mode authority (the database) cannot be read or written, or, moving to
     *     {@link LockMode#PRIMARY}, if the primary does not answer this instance's probe (the move would fail over
     *     again at the first caller and hold every lock for a second switch delay)
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
        handles.close();
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
        long failuresBefore = modes.primaryFailures();
        ModeView first = modes.currentView(key, clock.nanoTime(), deadline); // the mode the caller began to wait under
        for (ModeView current = first; ; current = modes.currentView(key, clock.nanoTime(), deadline)) {
            long now = clock.nanoTime(); // after a wait for a late reading of the mode, if there was one
            long remaining = deadline - now;
            long untilEffective = current.nanosUntilEffective(now);
            LockHandle granted;
            if (untilEffective > 0) {
                granted = handover.possible(current)
                        ? handOver(current, first, key, deadline, waitTime, lease, failuresBefore)
                        : null;
                if (granted == null) {
                    // a switch back may become possible to hand over (a probe closes the breaker, Redis reconnects)
                    // before it takes effect: keep trying until the deadline instead of refusing at once
                    boolean retry = handover.worthRetrying(current);
                    long pause = Math.min(untilEffective, modes.refreshNanos());
                    if ((untilEffective > remaining && !retry) || remaining <= 0) {
                        throw switching(
                                key,
                                modes.name(current.mode()),
                                untilEffective); // not contention: nobody holds the key
                    }
                    if (!sleep(Math.min(pause, remaining))) {
                        throw new LockAcquisitionException(key, waitTime);
                    }
                    continue;
                }
            } else if (current.mode() == LockMode.PRIMARY && modes.breakerState() == BreakerState.OPEN) {
                if (!modes.proposeFallback(current, key, remaining)) {
                    throw new LockAcquisitionException(key, waitTime); // interrupted
                }
                if (clock.nanoTime() - deadline >= 0) {
                    throw switching(key, fallback.backend(), 0);
                }
                continue;
            } else {
                granted = tryBackend(
                        current, first, key, Math.max(0, remaining), lease, deadline, waitTime, failuresBefore);
                if (granted == null) {
                    continue; // the primary failed and the breaker moved: look at the mode again
                }
            }
            ResilientHandle handle = new ResilientHandle(this, granted, current.epoch(), current.mode(), now);
            handles.add(handle);
            ModeView after = modes.view();
            long checkedAt = clock.nanoTime();
            if (after == null || after.epoch() != current.epoch() || after.ageNanos(checkedAt) > modes.staleNanos()) {
                // the epoch ended while we acquired, or nothing confirms it still runs: this grant must not be used
                handle.close();
                if (checkedAt - deadline >= 0) {
                    throw after != null && after.epoch() != current.epoch()
                            ? switching(key, modes.name(after.mode()), 0)
                            : unconfirmed(key, after == null ? current : after, checkedAt);
                }
                continue;
            }
            return handle;
        }
    }

    private @Nullable LockHandle tryBackend(
            ModeView current,
            ModeView first,
            String key,
            long remainingNanos,
            Duration lease,
            long deadline,
            Duration waitTime,
            long failuresBefore) {
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
            LockBackendException outage = outageBehindBusy(key, current, first, failuresBefore);
            if (outage != null) {
                throw outage;
            }
            throw new LockAcquisitionException(key, waitTime); // the caller's whole wait, not the backend's remainder
        } catch (LockBackendException e) {
            if (e.getCause() instanceof UnansweredWait) {
                throw e; // the wait ended in line: the contender's own request counts the backend's failure
            }
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

    /**
     * Locks on both backends while a switch back to the primary is pending ({@link Handover#tryLockBoth}); a busy answer
     * is judged as in {@link #tryBackend}: callers queue on the key behind a hand-over whose primary command is timing
     * out (the primary froze again), and their wait runs out though nobody holds the key.
     */
    private @Nullable LockHandle handOver(
            ModeView current,
            ModeView first,
            String key,
            long deadline,
            Duration waitTime,
            Duration lease,
            long failuresBefore) {
        try {
            return handover.tryLockBoth(key, deadline, waitTime, lease);
        } catch (LockAcquisitionException busy) {
            LockBackendException outage = outageBehindBusy(key, current, first, failuresBefore);
            if (outage != null) {
                throw outage;
            }
            throw busy;
        }
    }

    /**
     * The outage a busy answer stands for, or null if it is contention ({@code LockAcquisitionException}, 409, means
     * someone held the key for the whole wait). A wait on the primary that ended while this instance saw it fail (a
     * command timing out ahead of the caller in the key's queue) or the mode change is an outage; so is a wait that
     * began under another mode (the caller spent it in a move and met the key busy on the new backend with no wait
     * left).
     */
    private @Nullable LockBackendException outageBehindBusy(
            String key, ModeView current, ModeView first, long failuresBefore) {
        boolean moved = current.epoch() != first.epoch();
        if (moved || (current.mode() == LockMode.PRIMARY && primaryFailedSince(current, failuresBefore))) {
            return waitEndedInOutage(key, current, moved);
        }
        return null;
    }

    /**
     * A caller's wait ended while the primary was failing or the locks moved: 503 at the HTTP edge, not 409. Once the
     * breaker is open or the mode has moved, the refusal is the announced consequence of a failover that has its own log
     * lines and alert ({@link LocksMoving}: a WARN without a stack trace); before that, the failing commands' own
     * errors are the first report, and this one is logged as any outage.
     */
    private LockBackendException waitEndedInOutage(String key, ModeView current, boolean moved) {
        String message;
        boolean announced;
        if (moved) {
            message = "the wait ended after the locks moved to " + modes.name(current.mode())
                    + " during it, and the key was busy there";
            announced = true;
        } else if (modes.breakerState() == BreakerState.OPEN) {
            message = "the wait ended while " + primary.backend() + " was failing (locks moving to "
                    + fallback.backend() + ")";
            announced = true;
        } else {
            message = "the wait ended while " + primary.backend() + " was failing (locks on " + primary.backend() + ")";
            announced = false;
        }
        return new LockBackendException(
                BACKEND, "acquire", key, announced ? new LocksMoving(message) : new TimeoutException(message));
    }

    /** Whether this instance saw the primary fail, or the mode change, since the caller began to wait. */
    private boolean primaryFailedSince(ModeView waitedUnder, long failuresBefore) {
        ModeView now = modes.view();
        return modes.primaryFailures() != failuresBefore
                || modes.breakerState() != BreakerState.CLOSED
                || now == null
                || now.epoch() != waitedUnder.epoch();
    }

    /**
     * The caller's wait ends inside a switch of the mode: an infrastructure failure (503 at the HTTP edge), planned
     * ({@link LocksMoving}: the executor logs it at WARN without a stack trace; the switch has its own log line).
     */
    private static LockBackendException switching(String key, String to, long untilEffectiveNanos) {
        return new LockBackendException(
                BACKEND,
                "acquire",
                key,
                new LocksMoving("locks are moving to " + to + " (effective in "
                        + TimeUnit.NANOSECONDS.toMillis(untilEffectiveNanos) + " ms), after the caller's wait ends"));
    }

    /**
     * The grant came while the mode view went unconfirmed for longer than {@code 2R} (the refresh thread starved of CPU,
     * the authority slow): the mode may have changed unseen, so the grant is dropped rather than risk two holders. An
     * infrastructure failure (503 at the HTTP edge), like a switch.
     */
    private LockBackendException unconfirmed(String key, ModeView view, long nowNanos) {
        return new LockBackendException(
                BACKEND,
                "acquire",
                key,
                new TimeoutException("the lock mode view is stale: the mode (" + modes.name(view.mode())
                        + ") has not been confirmed by the lock mode authority for "
                        + TimeUnit.NANOSECONDS.toMillis(view.ageNanos(nowNanos)) + " ms (at most "
                        + TimeUnit.NANOSECONDS.toMillis(modes.staleNanos())
                        + " ms allowed), so the lock is refused rather than risk a double hold"));
    }

    long now() {
        return clock.nanoTime();
    }

    void forget(ResilientHandle handle, long acquiredAt) {
        handles.forget(handle);
        listener.released(BACKEND, handle, clock.nanoTime() - acquiredAt);
    }

    /** The backend itself lost the lease of {@code handle} (renewal refused, or it ran out): tell the listener. */
    void innerLeaseLost(ResilientHandle handle) {
        listener.leaseLost(BACKEND, handle);
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
