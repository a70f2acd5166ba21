package dev.ballast.lock.resilient;

import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockListener.BreakerState;
import dev.ballast.lock.LockStrategy;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's knowledge of the lock mode: its latest reading of the authority, its breaker in front of the
 * primary, and the timers that keep them current (refresh every {@code R}, a watchdog every {@code R/4}, probes of the
 * primary); it proposes switches when its breaker says so and reports each change it follows.
 *
 * <p>The return to the primary needs {@code probeSuccesses} probes in a row in which every server answered ({@link
 * PrimaryProbe}) <em>and</em> a {@link QuietPeriod} with no failure recorded by any instance; the switch is a
 * compare-and-set on the row's failure marker, so it fails if any instance recorded a failure since the proposer read it.
 *
 * <p>Concurrency: the refresh and watchdog run on the strategy's clock, probes on the probe clock, and callers read
 * {@link #currentView} and move the breaker from any thread. The view is a volatile reference replaced under {@code
 * viewUpdate} (never by an older reading); the breaker synchronizes itself; one thread at a time proposes a fail-over.
 */
final class ModeKeeper {

    /** The width of the mode table's {@code changed_by} column. */
    static final int CHANGED_BY_WIDTH = 128;

    /** Where a long actor lost its middle (ASCII: a MariaDB table may not be in a Unicode character set). */
    private static final String CUT = "...";

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);

    private final LockStrategy primary;
    private final LockStrategy fallback;
    private final ModeAuthority authority;
    private final Breaker breaker;
    private final ModeSignals signals;
    private final LockClock clock;
    private final LockClock probeClock;
    private final long refreshNanos;
    private final long staleNanos;
    private final long switchDelayMicros;
    private final long probeNanos;
    private final String instance;
    private final PrimaryProbe primaryProbe;
    private final QuietPeriod quiet;
    private final HeldHandles handles;
    private final ReentrantLock proposing = new ReentrantLock();
    private final Object viewUpdate = new Object();
    private final ReentrantLock viewWait = new ReentrantLock(true);
    private final Condition viewReplaced = viewWait.newCondition();
    private volatile @Nullable ModeView view;
    private volatile @Nullable Exception lastAuthorityError;
    private volatile boolean closed;
    /** {@link Breaker#outcomes()} at the last probe round; read and written on the probe clock's thread only. */
    private long idleMark = -1;

    ModeKeeper(
            ResilientLockStrategyBuilder settings,
            ModeAuthority authority,
            LockClock clock,
            LockClock probeClock,
            HeldHandles handles) {
        this.primary = settings.primary;
        this.fallback = settings.fallback;
        this.authority = authority;
        this.breaker = new Breaker(settings.failureThreshold, settings.probeSuccesses);
        this.signals = new ModeSignals(settings.instanceName, settings.listener, settings.alerts);
        this.clock = clock;
        this.probeClock = probeClock;
        this.refreshNanos = settings.refreshInterval.toNanos();
        this.staleNanos = 2 * refreshNanos;
        this.switchDelayMicros = (settings.maxLease.toNanos() + 3 * refreshNanos) / 1000;
        this.probeNanos = settings.probeInterval.toNanos();
        this.instance = settings.instanceName;
        this.primaryProbe = new PrimaryProbe(primary, instance);
        this.quiet = new QuietPeriod(authority, primary.backend(), clock, settings.quietPeriod.toNanos());
        this.handles = handles;
    }

    /**
     * Reads the authority once (failing if it cannot), tries the primary once, and starts the timers. A primary that
     * does not answer at start-up (Redis down or not up yet) opens the breaker at once and proposes the fallback, so
     * locks move to the database without waiting for callers' failures; the probes move them back once it answers.
     */
    void start() {
        ModeView initial;
        try {
            initial = authority.read(instance);
            apply(initial);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the lock mode authority: " + e.getMessage(), e);
        }
        if (initial.mode() == LockMode.PRIMARY && !primaryProbe.allAnswer()) {
            signals.downAtStart(
                    primary.backend(),
                    fallback.backend(),
                    TimeUnit.NANOSECONDS.toMillis(probeNanos),
                    primaryProbe.credentialsRefusal());
            breakerMoved(breaker.open());
            propose(LockMode.FALLBACK, initial);
        }
        repeat(clock, refreshNanos, this::refresh);
        repeat(clock, refreshNanos / 4 + 1, this::watchdog);
        repeat(probeClock, probeNanos, this::probe);
    }

    void close() {
        closed = true;
        viewReadOrFailed();
    }

    long refreshNanos() {
        return refreshNanos;
    }

    long staleNanos() {
        return staleNanos;
    }

    @Nullable
    ModeView view() {
        return view;
    }

    /**
     * Why no lock is granted now, if that is so: no reading of the authority in the last {@code 2R} (none yet after the
     * first refresh failed, or the last one too old), with the last failed read's error; null while a reading confirms
     * the mode.
     */
    @Nullable
    String unconfirmed(long nowNanos) {
        ModeView current = view;
        Exception error = lastAuthorityError;
        if (current != null && current.ageNanos(nowNanos) <= staleNanos) {
            return null;
        }
        if (current == null && error == null) {
            return null; // starting: the first reading has not come back yet
        }
        String age = current == null
                ? "never read"
                : "last read " + TimeUnit.NANOSECONDS.toMillis(current.ageNanos(nowNanos)) + " ms ago";
        return "the lock mode authority has not answered for more than " + TimeUnit.NANOSECONDS.toMillis(staleNanos)
                + " ms (" + age + ")"
                + (error == null
                        ? ""
                        : ": " + error.getClass().getSimpleName()
                                + (error.getMessage() == null ? "" : ": " + error.getMessage()));
    }

    BreakerState breakerState() {
        return breaker.state();
    }

    String name(LockMode mode) {
        return mode == LockMode.PRIMARY ? primary.backend() : fallback.backend();
    }

    /**
     * The view to act on. A view older than {@code 2R} while the authority has reported no error means the refresh is
     * late (its thread starved of CPU, a slow read): the caller waits for the next reading, at most another {@code 2R}
     * and never past its {@code deadline}, instead of being refused at once. Fails (as an infrastructure error) if no
     * fresh reading comes by then, or at once if the authority's last reading failed.
     */
    ModeView currentView(String key, long now, long deadline) {
        ModeView current = view;
        if (current != null && current.ageNanos(now) <= staleNanos) {
            return current;
        }
        if (lastAuthorityError == null && deadline - now > 0) {
            ModeView late = awaitFreshView(deadline - now < staleNanos ? deadline : now + staleNanos);
            if (late != null) {
                return late;
            }
            current = view;
            now = clock.nanoTime();
        }
        Exception cause = lastAuthorityError;
        long ageMillis = current == null ? 0 : TimeUnit.NANOSECONDS.toMillis(current.ageNanos(now));
        throw new LockBackendException(
                "resilient",
                "read the lock mode authority for",
                key,
                cause != null
                        ? cause
                        : new TimeoutException("no answer from the lock mode authority for " + ageMillis + " ms"));
    }

    /**
     * Waits until {@code until} (this keeper's clock) for a reading that is not stale; null if none came, the authority
     * failed meanwhile, or the keeper closed. Woken by every reading and every failed one; waiters queue fairly on one
     * lock. The time left is read from the clock after each wake-up (at least every {@code R/4}), so a clock a test
     * moves by hand ends the wait as the system clock does.
     */
    private @Nullable ModeView awaitFreshView(long until) {
        viewWait.lock();
        try {
            while (true) {
                ModeView current = view;
                long now = clock.nanoTime();
                if (current != null && current.ageNanos(now) <= staleNanos) {
                    return current;
                }
                long left = until - now;
                if (left <= 0 || lastAuthorityError != null || closed) {
                    return null;
                }
                viewReplaced.awaitNanos(Math.min(left, refreshNanos / 4 + 1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            viewWait.unlock();
        }
    }

    /** Wakes the callers waiting in {@link #awaitFreshView} to look again. */
    private void viewReadOrFailed() {
        viewWait.lock();
        try {
            viewReplaced.signalAll();
        } finally {
            viewWait.unlock();
        }
    }

    void primarySucceeded() {
        breaker.success();
    }

    /** How many failures of the primary this instance has seen (callers' and probes'): a caller compares two readings. */
    long primaryFailures() {
        return breaker.failuresSeen();
    }

    void primaryFailed() {
        breakerMoved(breaker.failure());
        quiet.failureSeen(); // the next refresh records it in the authority
    }

    /** Writes a failure seen since the last recording into the authority's row. */
    private void recordFailures() {
        Exception failed = quiet.record();
        if (failed != null) {
            lastAuthorityError = failed;
        }
    }

    /**
     * One caller proposes the fail-over; the others wait a little for the new mode instead of all writing the row.
     * False if the caller was interrupted: it must stop, as its wait would otherwise return at once on every round and
     * the caller loop without parking until its deadline.
     *
     * @throws LockBackendException if this caller's proposal could not be written: the primary is failing and the
     *     locks cannot be moved off it now, so the caller gets the authority's error at once instead of writing the row
     *     again and again until its deadline (the probes go on proposing in the background)
     */
    boolean proposeFallback(ModeView current, String key, long remainingNanos) {
        if (proposing.tryLock()) {
            Exception failed;
            try {
                failed = propose(LockMode.FALLBACK, current);
            } finally {
                proposing.unlock();
            }
            if (failed != null) {
                throw new LockBackendException("resilient", "move the locks to the fallback for", key, failed);
            }
            return !Thread.currentThread().isInterrupted();
        }
        return ResilientLockStrategy.sleep(Math.min(refreshNanos, Math.max(0, remainingNanos)));
    }

    /**
     * What an operator's switch records as {@code changed_by}, at most {@value #CHANGED_BY_WIDTH} characters (the
     * column's width): {@link ModeView#OPERATOR}, the actor, {@link ModeView#VIA} and the instance. The prefix (a
     * pinned fallback is read from it) and the instance (ModeSignals reads it after VIA) are kept whole; a long actor
     * loses its middle, not its ends: the start names who asked, the end who carried it out for them ({@code
     * "<requester> (link performed by <performer>)"}).
     */
    static String changedBy(String actor, String instance) {
        String tail = ModeView.VIA + instance; // a name set on the builder is 1 to 100 characters; the default is
        // the JVM name (pid@host) and a suffix, which a long host name can make longer: capped here
        int keep = ModeView.OPERATOR.length() + 4; // the prefix and the start of the name, however long the tail
        tail = tail.substring(0, Math.min(tail.length(), CHANGED_BY_WIDTH - keep - CUT.length()));
        String head = ModeView.OPERATOR + actor;
        int room = CHANGED_BY_WIDTH - tail.length();
        if (head.length() > room) {
            int start = Math.max(keep, room - CUT.length() - room / 2);
            int end = room - CUT.length() - start;
            head = head.substring(0, start) + CUT + head.substring(head.length() - end);
        }
        return head + tail;
    }

    /**
     * An operator's switch to {@code to}, recorded as theirs (a fallback chosen this way is pinned); false if the mode
     * already was {@code to} or another switch won the race.
     *
     * @throws IllegalStateException if the authority cannot be read or written
     */
    boolean switchTo(LockMode to, String actor) {
        proposing.lock();
        try {
            ModeView current = authority.read(instance);
            apply(current);
            if (current.mode() == to) {
                return false;
            }
            if (to == LockMode.PRIMARY && !primaryProbe.allAnswer()) {
                // moving back to a primary this instance cannot reach would fail over again at its first caller, and
                // hold every lock for a second switch delay
                throw new IllegalStateException("The primary (" + primary.backend()
                        + ") does not answer from this instance; locks stay on the fallback. Move them back once it"
                        + " answers");
            }
            String by = changedBy(actor, instance);
            boolean switched = authority.trySwitch(to, current.epoch(), switchDelayMicros, by);
            if (switched) {
                announceSwitch(current, to, by);
            }
            apply(authority.read(instance));
            return switched;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot switch the lock mode: " + e.getMessage(), e);
        } finally {
            proposing.unlock();
        }
    }

    /** Runs {@code task} every {@code periodNanos} on {@code timer} until closed. */
    private void repeat(LockClock timer, long periodNanos, Runnable task) {
        var unused = timer.schedule(
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

    private void refresh() {
        recordFailures();
        try {
            apply(authority.read(instance));
            lastAuthorityError = null;
        } catch (SQLException | RuntimeException e) {
            lastAuthorityError = e;
            log.debug("Lock mode authority unreadable: {}", e.toString());
            viewReadOrFailed();
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
            quiet.markerRead(fresh.primaryFailedAtMicros());
        }
        viewReadOrFailed();
        if (previous != null && previous.epoch() != fresh.epoch()) {
            // a routine switch: the old mode's holders keep their locks until their leases run out (never past the
            // moment the new mode can take effect), so a holder that finishes in time has lost nothing
            handles.retire(
                    handle -> handle.epoch != fresh.epoch(),
                    "the lock mode changed to " + fresh.mode(),
                    fresh.earliestEffectiveNanos());
            if (fresh.mode() == LockMode.FALLBACK) {
                breakerMoved(breaker.open());
            } else if (breaker.state() == BreakerState.OPEN && fresh.nanosUntilEffective(clock.nanoTime()) > 0) {
                // another instance saw the primary again: probe now rather than at the next interval, so that
                // callers here may lock on both backends during the switch instead of waiting for it
                probeSoon();
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

    /** One probe now, on the probe clock's thread (it may wait for a dead primary), unless closed. */
    private void probeSoon() {
        if (closed) {
            return;
        }
        try {
            var unused = probeClock.schedule(
                    () -> {
                        if (!closed) {
                            probe();
                        }
                    },
                    0);
        } catch (RuntimeException timerStopped) {
            // the strategy is closing and its probe timer with it
        }
    }

    private void watchdog() {
        ModeView current = view;
        if (current == null || current.ageNanos(clock.nanoTime()) > staleNanos) {
            handles.revoke(
                    handle -> true, "the lock mode authority has not answered for " + (staleNanos / 1_000_000) + " ms");
        }
    }

    private void probe() {
        ModeView current = view;
        if (current == null) {
            return;
        }
        if (current.mode() == LockMode.PRIMARY && breaker.state() == BreakerState.CLOSED) {
            probeWhileIdle();
            current = view;
            if (current == null || breaker.state() != BreakerState.OPEN) {
                return;
            }
        } else if (primaryProbe.allAnswer()) {
            breakerMoved(breaker.probeSucceeded());
        } else {
            probeFailed();
        }
        long now = clock.nanoTime();
        if (breaker.state() == BreakerState.CLOSED
                && current.mode() == LockMode.FALLBACK
                && !current.pinned()
                && current.nanosUntilEffective(now) == 0
                && current.ageNanos(now) <= staleNanos
                && quiet.over(now)) {
            propose(LockMode.PRIMARY, current);
        } else if (breaker.state() == BreakerState.OPEN && current.mode() == LockMode.PRIMARY) {
            propose(LockMode.FALLBACK, current);
        }
    }

    /**
     * On the primary with a closed breaker, callers' outcomes keep the breaker current; when nobody used the primary
     * since the last round, a probe stands in for them, so that a primary that died while this instance was idle moves
     * the locks to the fallback (its switch delay running) before the next caller comes, instead of that caller
     * finding it out and waiting out the whole switch.
     */
    private void probeWhileIdle() {
        long seen = breaker.outcomes();
        if (seen != idleMark) {
            idleMark = seen; // callers used the primary in this round: their outcomes speak for it
            return;
        }
        if (primaryProbe.allAnswer()) {
            breaker.success();
        } else {
            probeFailed();
        }
        idleMark = breaker.outcomes();
    }

    private void probeFailed() {
        breakerMoved(breaker.failure());
        quiet.failureSeen();
        recordFailures(); // at once: the probe has its own thread, and other instances may be about to return
    }

    /** Proposes {@code to} in the authority and reads the outcome; the failure, also logged, or null. */
    private @Nullable Exception propose(LockMode to, ModeView from) {
        try {
            boolean switched = to == LockMode.FALLBACK
                    ? authority.tryFailOver(from.epoch(), switchDelayMicros, instance)
                    : authority.tryReturn(from.epoch(), from.primaryFailedAtMicros(), switchDelayMicros, instance);
            if (switched) {
                announceSwitch(from, to, instance);
            }
            apply(authority.read(instance));
            return null;
        } catch (SQLException | RuntimeException e) {
            lastAuthorityError = e;
            log.warn("Could not switch the lock mode to {}: {}", to, e.toString());
            return e;
        }
    }

    private void announceSwitch(ModeView from, LockMode to, String changedBy) {
        signals.switched(
                name(from.mode()),
                name(to),
                to == LockMode.FALLBACK,
                from.epoch() + 1,
                switchDelayMicros / 1000,
                changedBy);
    }

    private void breakerMoved(BreakerState state) {
        signals.breakerMoved(primary.backend(), state);
    }
}
