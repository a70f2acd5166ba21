package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.boot.autoconfigure.outbox.BallastOutboxProperties;
import dev.ballast.boot.autoconfigure.outbox.OutboxUsage;
import dev.ballast.boot.internal.diagnostics.BallastTables;
import dev.ballast.boot.internal.diagnostics.MissingBallastTablesException;
import dev.ballast.cache.TieredCache;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.OutboxStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/** The indicators of the {@code ballast} health component. */
final class BallastHealth {

    /**
     * Serving, but without something that makes it better: a cache without its Redis L2, locks on their fallback, an
     * outbox whose events are late or dead-lettered. Mapped to HTTP 200 and ordered between OUT_OF_SERVICE and UP.
     */
    static final Status DEGRADED = new Status("DEGRADED", "serving, with a dependency down or behind");

    private BallastHealth() {}

    /** One cache: UP with its L2 (or L1-only by design), DEGRADED while its Redis L2 is unreachable or broken. */
    static HealthIndicator cache(TieredCache<?, ?> cache) {
        return () -> {
            TieredCache.L2Status l2 = cache.l2Status();
            Health.Builder health =
                    switch (l2) {
                        case NONE, UP -> Health.up();
                        case DISCONNECTED, BREAKER_OPEN -> Health.status(DEGRADED);
                    };
            return health.withDetail("l2", l2.name().toLowerCase(java.util.Locale.ROOT))
                    .withDetail("breaker", l2 == TieredCache.L2Status.BREAKER_OPEN ? "open" : "closed")
                    .build();
        };
    }

    /** Every Ballast cache of {@code manager}, by name. */
    static Map<String, HealthIndicator> caches(CacheManager manager) {
        Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
        for (String name : manager.getCacheNames()) {
            Cache cache = manager.getCache(name);
            if (cache != null && cache.getNativeCache() instanceof TieredCache<?, ?> tiered) {
                indicators.put(name, cache(tiered));
            }
        }
        return indicators;
    }

    /**
     * The lock backend: for the resilient chain, DOWN while the lock mode authority (the database) has not been read
     * for longer than twice the refresh interval (no lock is granted in either mode then), DEGRADED while locks are on
     * the database fallback, the breaker is not closed, or Redis does not answer a PING (seen at once, before the breaker
     * has counted enough failures, of lock calls or of its probes while nobody locks, to move the locks); for Redis, DOWN
     * when a PING fails (locks cannot be taken); else UP with the backend named.
     */
    static HealthIndicator lock(LockStrategy locks, @Nullable RedisPing redis) {
        return () -> {
            if (locks instanceof ResilientLockStrategy resilient) {
                String active = resilient.activeBackend();
                String breaker = resilient.breakerState().name().toLowerCase(java.util.Locale.ROOT);
                boolean onPrimary = !active.equals("jdbc");
                boolean healthy = onPrimary && breaker.equals("closed");
                long pending = resilient.untilModeEffective().toMillis(); // read with the mode, before the PING
                String unconfirmed = resilient.modeUnconfirmed().orElse(null);
                if (unconfirmed != null) { // strict: no lock is granted in either mode while the mode is unconfirmed
                    return Health.down()
                            .withDetail("backend", locks.backend())
                            .withDetail("mode", onPrimary ? "primary" : "fallback")
                            .withDetail("activeBackend", active)
                            .withDetail("breaker", breaker)
                            .withDetail("authority", "unreachable")
                            .withDetail("error", withoutCredentials(unconfirmed))
                            .withDetail(
                                    "next",
                                    "no lock is granted in either mode until the lock mode authority (the database)"
                                            + " answers again; the mode shown is the last one read")
                            .build();
                }
                // the breaker needs failure-threshold failures (lock calls', or its probes' while nobody locks) to
                // open: until then health says what it sees itself
                String unreachable = healthy && redis != null ? pingFailure(redis) : null;
                Health.Builder health = Health.status(healthy && unreachable == null ? Status.UP : DEGRADED)
                        .withDetail("backend", locks.backend())
                        .withDetail("mode", onPrimary ? "primary" : "fallback")
                        .withDetail("activeBackend", active)
                        .withDetail("breaker", breaker);
                if (pending > 0) { // the switch is made, its delay not over: the database grants nothing yet
                    health.withDetail("modeEffectiveInMs", pending);
                }
                if (unreachable != null) {
                    health.withDetail("primary", "unreachable")
                            .withDetail("error", unreachable)
                            .withDetail(
                                    "next",
                                    "the locks move to the database once the breaker opens (failed lock calls, or"
                                            + " failed probes while nobody locks), granted there after the switch"
                                            + " delay");
                }
                return health.build();
            }
            if (locks.backend().equals("redis") && redis != null) {
                String unreachable = pingFailure(redis);
                if (unreachable != null) {
                    return Health.down()
                            .withDetail("backend", locks.backend())
                            .withDetail("error", unreachable)
                            .build();
                }
            }
            return Health.up().withDetail("backend", locks.backend()).build();
        };
    }

    /**
     * Null when Redis answers a PING; else what failed (down and reconnecting, timed out, refused), never a URI or
     * secret.
     */
    private static @Nullable String pingFailure(RedisPing redis) {
        try {
            redis.ping();
            return null;
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + withoutCredentials(e.getMessage()));
        }
    }

    /** {@code message} without any {@code user:password@} of a URI in it. */
    static String withoutCredentials(String message) {
        return message.replaceAll("//[^/@\\s]*@", "//");
    }

    /**
     * The outbox. While the application does not use it ({@link OutboxUsage}: no bean injects it, relay not enabled),
     * UP with {@code inUse: false}, without reading its tables, which such an application need not have. In use:
     * DEGRADED when the oldest pending event is older than {@code ballast.outbox.health.max-pending-age} or there are
     * more unresolved dead letters than {@code ballast.outbox.health.max-dead-letters}; DOWN when its tables cannot be
     * read, naming the missing tables and the fix when that is why. {@code relayRunning}: the relay's threads run;
     * {@code relayPaused}: an operator paused it (it runs, claiming nothing, until resumed).
     */
    static HealthIndicator outbox(
            Outbox outbox,
            @Nullable OutboxRelay relay,
            OutboxUsage usage,
            BallastOutboxProperties properties,
            @Nullable DataSource dataSource) {
        BallastOutboxProperties.Health thresholds = properties.health();
        return () -> {
            boolean relayRunning = relay != null && relay.isRunning();
            if (!usage.inUse()) {
                return Health.up()
                        .withDetail("inUse", false)
                        .withDetail("relayRunning", relayRunning)
                        .build();
            }
            OutboxStatus status;
            try {
                status = outbox.status();
            } catch (Exception e) {
                Health.Builder down = Health.down()
                        .withDetail("inUse", true)
                        .withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage());
                if (mayBeMissingTable(e)) { // not for an unreachable database: a second wait on the pool for nothing
                    missingTables(properties, dataSource, down);
                }
                return down.build();
            }
            Duration oldest = status.oldestPendingAge();
            boolean late = oldest != null && oldest.compareTo(thresholds.maxPendingAge()) > 0;
            boolean dead = status.deadLetters() > thresholds.maxDeadLetters();
            Health.Builder health = Health.status(late || dead ? DEGRADED : Status.UP)
                    .withDetail("inUse", true)
                    .withDetail("pending", status.pending())
                    .withDetail("oldestPendingAge", oldest == null ? "none" : oldest.toString())
                    .withDetail("maxPendingAge", thresholds.maxPendingAge().toString())
                    .withDetail("deadLetters", status.deadLetters())
                    .withDetail("maxDeadLetters", thresholds.maxDeadLetters())
                    .withDetail("relayRunning", relayRunning)
                    .withDetail("relayPaused", relay != null && relay.isPaused());
            return health.build();
        };
    }

    /**
     * Whether the outbox's read may have failed for a missing table: the database answered with a SQL error of class
     * {@code 42} (syntax or access rule: PostgreSQL's {@code 42P01}, MariaDB's and H2's {@code 42S02}), not a connection
     * failure. Found by a black-box check: with the database paused, the health read waited on the pool a second time,
     * for the tables check, after the status read had already timed out on it.
     */
    static boolean mayBeMissingTable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql
                    && sql.getSQLState() != null
                    && sql.getSQLState().startsWith("42")) {
                return true;
            }
        }
        return false;
    }

    /** When the outbox cannot be read because its tables are missing: which ones, and what to set. */
    private static void missingTables(
            BallastOutboxProperties properties, @Nullable DataSource dataSource, Health.Builder down) {
        if (dataSource == null) {
            return;
        }
        try {
            BallastTables tables = BallastTables.check(dataSource, Outbox.tableNames(properties.tablePrefix()));
            if (!tables.complete()) {
                down.withDetail("missingTables", tables.missing())
                        .withDetail("database", tables.database())
                        .withDetail(
                                "action",
                                MissingBallastTablesException.outboxAction(tables, properties.tablePrefix())
                                        .replace(System.lineSeparator(), " "));
            }
        } catch (RuntimeException e) {
            // the database itself is unreachable: the error detail says so
        }
    }
}
