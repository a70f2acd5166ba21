package dev.ballast.lock.resilient;

import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.sql.NetworkTimeoutDataSource;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.internal.JdbcDialect;
import dev.ballast.lock.internal.LockTables;
import dev.ballast.lock.internal.SystemLockClock;
import dev.ballast.lock.internal.TablePrefix;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Settings of a {@link ResilientLockStrategy}; each setter checks its value at once and names a bad one. Not thread-safe;
 * the strategy it builds is.
 *
 * <p>Defaults: table prefix {@code ballast_} (table {@code ballast_lock_mode}), table not created, {@code maxLease} 2 s,
 * {@code refreshInterval} 500 ms, breaker opens after 3 consecutive infrastructure failures, probes every 1 s and closes
 * after 2 successful ones, locks return to the primary after a {@code quietPeriod} of 5 s without a failure recorded by
 * any instance, {@link ExceptionClassifier#defaults()}, no listener, alerts to the log, the system clock.
 *
 * <p>Why short leases: a switch to the fallback grants nothing for {@code maxLease + 3 * refreshInterval} (3.5 s with these
 * defaults; the switch back grants on both backends meanwhile, and only a key whose retired holder is still working
 * waits, until it lets go or at most {@code maxLease}), less than a typical wait of a few seconds, so callers wait through it instead of being refused). Renewal
 * (every third of the lease) keeps long critical sections locked; the price is more renewal traffic per held lock and
 * that a holder stalled (GC, pause) for longer than about two thirds of the lease loses it (its fenced writes are then
 * refused, and {@code executeWithLock} reports it).
 */
public final class ResilientLockStrategyBuilder {

    final LockStrategy primary;
    final LockStrategy fallback;
    private final DataSource authority;
    private String tablePrefix = "ballast_";
    private boolean createTable;
    Duration maxLease = Duration.ofSeconds(2);
    Duration refreshInterval = Duration.ofMillis(500);
    int failureThreshold = 3;
    Duration probeInterval = Duration.ofSeconds(1);
    int probeSuccesses = 2;
    Duration quietPeriod = Duration.ofSeconds(5);
    ExceptionClassifier classifier = ExceptionClassifier.defaults();
    LockListener listener = LockListener.none();
    AlertSink alerts = AlertSink.logging();
    private @Nullable LockClock clock;
    String instanceName = ManagementFactory.getRuntimeMXBean().getName() + "-"
            + UUID.randomUUID().toString().substring(0, 8);

    ResilientLockStrategyBuilder(LockStrategy primary, LockStrategy fallback, DataSource authority) {
        this.primary = Objects.requireNonNull(primary, "primary");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.authority = Objects.requireNonNull(authority, "authority");
        if (primary == fallback) {
            throw new IllegalArgumentException("Primary and fallback must be different lock strategies");
        }
    }

    /** Prefix of the authority table {@code <prefix>lock_mode}: letters, digits and '_'. */
    public ResilientLockStrategyBuilder tablePrefix(String prefix) {
        TablePrefix.table(prefix, "lock_mode");
        this.tablePrefix = prefix;
        return this;
    }

    /** Whether to create the authority table if it is missing. */
    public ResilientLockStrategyBuilder createTable(boolean create) {
        this.createTable = create;
        return this;
    }

    /** The longest lease granted (longer requests are shortened); a mode switch waits this plus 3 refresh intervals. */
    public ResilientLockStrategyBuilder maxLease(Duration lease) {
        if (lease == null || lease.toMillis() < 100) {
            throw new IllegalArgumentException("maxLease must be at least 100 ms, was " + lease);
        }
        this.maxLease = lease;
        return this;
    }

    /** How often the authority is re-read; a view older than twice this revokes handles and refuses locks. */
    public ResilientLockStrategyBuilder refreshInterval(Duration interval) {
        if (interval == null || interval.toMillis() < 20) {
            throw new IllegalArgumentException("refreshInterval must be at least 20 ms, was " + interval);
        }
        this.refreshInterval = interval;
        return this;
    }

    /** Consecutive infrastructure failures of the primary that open this instance's breaker (at least 1). */
    public ResilientLockStrategyBuilder failureThreshold(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1, was " + failures);
        }
        this.failureThreshold = failures;
        return this;
    }

    /**
     * How often an instance on the fallback probes the primary; also how often an instance on the primary probes it
     * while none of its callers used it since the last probe (a failed probe counts toward {@code failureThreshold}).
     */
    public ResilientLockStrategyBuilder probeInterval(Duration interval) {
        if (interval == null || interval.toMillis() < 10) {
            throw new IllegalArgumentException("probeInterval must be at least 10 ms, was " + interval);
        }
        this.probeInterval = interval;
        return this;
    }

    /** Consecutive successful probes that close the breaker and move locks back to the primary (at least 1). */
    public ResilientLockStrategyBuilder probeSuccesses(int successes) {
        if (successes < 1) {
            throw new IllegalArgumentException("probeSuccesses must be at least 1, was " + successes);
        }
        this.probeSuccesses = successes;
        return this;
    }

    /**
     * How long no instance may have recorded a failure of the primary before locks return to it (besides {@code
     * probeSuccesses} probes in a row that reached every server of the primary). Every instance records the failures it
     * sees (its callers' and its probes') in the authority's row, so one instance whose probes succeed does not move
     * locks back while another still fails. Must not be shorter than {@code probeInterval} (checked by {@link #build()}),
     * so every instance on the fallback probes within it. An operator's {@link ResilientLockStrategy#switchMode} ignores
     * it.
     */
    public ResilientLockStrategyBuilder quietPeriod(Duration period) {
        if (period == null || period.isNegative()) {
            throw new IllegalArgumentException("quietPeriod must be zero or positive, was " + period);
        }
        this.quietPeriod = period;
        return this;
    }

    /** Decides which backend failures are outages (INFRASTRUCTURE); others propagate without moving the breaker. */
    public ResilientLockStrategyBuilder classifier(ExceptionClassifier exceptionClassifier) {
        this.classifier = Objects.requireNonNull(exceptionClassifier, "classifier");
        return this;
    }

    /** Told about acquisitions, revocations, breaker changes and mode switches of this strategy. */
    public ResilientLockStrategyBuilder listener(LockListener lockListener) {
        this.listener = Objects.requireNonNull(lockListener, "listener");
        return this;
    }

    /** Receives WARNING alerts for fail-overs and revocations, INFO when locks return to the primary. */
    public ResilientLockStrategyBuilder alerts(AlertSink sink) {
        this.alerts = Objects.requireNonNull(sink, "alerts");
        return this;
    }

    /**
     * The clock for the mode's timers (refresh, watchdog, probes), deadlines and the views' age; a given clock runs all
     * of them on its thread. Give the primary and fallback strategies the same clock.
     */
    public ResilientLockStrategyBuilder clock(LockClock lockClock) {
        this.clock = Objects.requireNonNull(lockClock, "clock");
        return this;
    }

    /** This instance's name in the authority row and alerts (default: JVM name plus a random suffix). */
    public ResilientLockStrategyBuilder instanceName(String name) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new IllegalArgumentException("instanceName must be 1 to 100 characters, was '" + name + "'");
        }
        this.instanceName = name;
        return this;
    }

    /**
     * Builds and starts the strategy: reads the authority once (creating its row on first use) and starts refreshing.
     *
     * @throws IllegalStateException if the authority's database is unsupported or unreachable
     */
    public ResilientLockStrategy build() {
        if (probeInterval.compareTo(refreshInterval) < 0) {
            throw new IllegalArgumentException("probeInterval (" + probeInterval
                    + ") must not be shorter than refreshInterval (" + refreshInterval + ")");
        }
        if (quietPeriod.compareTo(probeInterval) < 0) {
            throw new IllegalArgumentException(
                    "quietPeriod (" + quietPeriod + ") must not be shorter than probeInterval (" + probeInterval
                            + "): every instance on the fallback must probe within it");
        }
        String table = TablePrefix.table(tablePrefix, "lock_mode");
        List<SystemLockClock> owned = new ArrayList<>();
        LockClock time = clock != null ? clock : own(owned, new SystemLockClock("ballast-lock-mode", 2));
        // probes may wait for a dead primary: on their own thread, so they never delay the refresh
        LockClock probes = clock != null ? clock : own(owned, new SystemLockClock("ballast-lock-probe", 1));
        try {
            ResilientLockStrategy strategy =
                    new ResilientLockStrategy(this, authority(table, time), time, probes, owned);
            strategy.start();
            return strategy;
        } catch (RuntimeException e) {
            owned.forEach(SystemLockClock::close);
            throw e;
        }
    }

    private static LockClock own(List<SystemLockClock> owned, SystemLockClock clock) {
        owned.add(clock);
        return clock;
    }

    private ModeAuthority authority(String table, LockClock time) {
        try {
            if (createTable) {
                LockTables.create(authority, tablePrefix); // the V2 column: requireFailureColumn below
            }
            JdbcDialect dialect;
            try (Connection connection = authority.getConnection()) {
                dialect = JdbcDialect.of(connection);
            }
            int timeoutSeconds = (int) Math.max(1, refreshInterval.toSeconds());
            // the query timeout asks the server to cancel; a frozen server never does, so the connection also gives
            // up on its own, later
            Duration network = JdbcLockStrategies.NETWORK_TIMEOUT.plusSeconds(timeoutSeconds);
            ModeAuthority modes = new ModeAuthority(
                    new NetworkTimeoutDataSource(authority, network), time, dialect, table, timeoutSeconds);
            modes.requireFailureColumn(createTable);
            return modes;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot set up the lock mode table " + table + ": " + e.getMessage(), e);
        }
    }
}
