package dev.ballast.boot.autoconfigure.lock;

import dev.ballast.boot.autoconfigure.SchemaInitialization;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.lock.redis.RedisLockStrategyBuilder;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the auto-configured {@link dev.ballast.lock.LockStrategy}, under {@code ballast.lock}.
 *
 * @param enabled whether to configure a LockStrategy and the DistributedLock annotation at all
 * @param backend which backend to use; AUTO picks RESILIENT when the application has a Redis client and a DataSource,
 *     REDIS with only the client, JDBC with only the DataSource, else LOCAL
 * @param jdbc settings of the JDBC table backend (also the fallback of RESILIENT)
 * @param redis settings of the Redis backend (also the primary of RESILIENT)
 * @param resilient settings of the RESILIENT backend
 */
@ConfigurationProperties("ballast.lock")
public record BallastLockProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("AUTO") Backend backend,
        @DefaultValue Jdbc jdbc,
        @DefaultValue Redis redis,
        @DefaultValue Resilient resilient) {

    /** Lock backends the starter can configure on its own. */
    public enum Backend {
        /**
         * RESILIENT with a Lettuce client bean and a DataSource, REDIS with only the client, JDBC with only
         * the DataSource, else LOCAL.
         */
        AUTO,
        /** The portable lock table on the application's DataSource. */
        JDBC,
        /** In-JVM locks: a single instance only. */
        LOCAL,
        /** Redis, through the application's Lettuce client bean. */
        REDIS,
        /** Redis first, the JDBC table when Redis is down; needs a Lettuce client bean and a DataSource. */
        RESILIENT
    }

    /**
     * Redis backend settings.
     *
     * @param commandTimeout how long each lock command waits for Redis's reply (at least 10ms), whatever
     *     spring.data.redis.timeout says (60 s by default): a lock call in flight when Redis dies, freezes or
     *     becomes unreachable fails after this (on RESILIENT: counts towards the switch to the database) instead of
     *     waiting until Redis is back
     * @param reconnectDelay how often the lock's own Redis connections are re-opened while Redis is down (at least
     *     10ms); meanwhile lock calls fail at once. Bounds how long locks stay away from Redis after it is back, whatever
     *     Lettuce's own reconnect back-off (growing to 30 s) does
     * @param fenceRetention how long a key's fencing counter stays in Redis after the key's last acquisition or raise
     *     (at least 1h; set the same value on every instance, as each acquisition sets its own instance's), so keys
     *     never locked again (one-off ids, each instance's start-up probe) do not stay for good; tokens keep rising
     *     across an expiry (a new counter starts at Redis's clock in microseconds)
     */
    public record Redis(
            @DefaultValue("1s") Duration commandTimeout,
            @DefaultValue("1s") Duration reconnectDelay,
            @DefaultValue("24h") Duration fenceRetention) {

        public Redis {
            requireAtLeast("ballast.lock.redis.command-timeout", commandTimeout, Duration.ofMillis(10));
            requireAtLeast("ballast.lock.redis.reconnect-delay", reconnectDelay, Duration.ofMillis(10));
            requireAtLeast(
                    "ballast.lock.redis.fence-retention",
                    fenceRetention,
                    RedisLockStrategyBuilder.MIN_FENCE_RETENTION); // the builder's own floor
        }

        private static void requireAtLeast(String property, Duration value, Duration minimum) {
            if (value.compareTo(minimum) < 0) {
                throw InvalidBallastPropertyException.invalid(
                        property, value, "must be at least " + InvalidBallastPropertyException.display(minimum));
            }
        }
    }

    /**
     * JDBC backend settings.
     *
     * @param tablePrefix prefix of the lock table's name (prefix + lock); letters, digits and '_', at most 41, not
     *     starting with a digit
     * @param schema when the lock tables are created at start-up
     */
    public record Jdbc(
            @DefaultValue("ballast_") String tablePrefix,
            @DefaultValue Schema schema) {}

    /**
     * Schema settings of the lock tables.
     *
     * @param initialize EMBEDDED (default: only on an in-memory database), ALWAYS or NEVER (your migrations create the
     *     tables, e.g. Flyway with classpath:db/ballast/lock/{vendor})
     */
    public record Schema(@DefaultValue("EMBEDDED") SchemaInitialization initialize) {}

    /**
     * RESILIENT backend settings; see {@code docs/lock.md}. The defaults are short, renewed leases: a switch to the
     * database grants nothing for {@code max-lease + 3 * refresh-interval} (3.5 s), less than a typical wait, so callers
     * wait through it instead of being refused; the switch back to Redis grants on both backends meanwhile.
     *
     * @param maxLease longest lease granted, renewed every third of it while held (at least 100ms); a switch to the
     *     database pauses locking for this plus 3 refresh intervals; on the switch back to Redis only a key whose holder
     *     the switch retired and who is still working waits, until it lets go or at most the rest of that lease
     * @param refreshInterval how often the shared mode row is re-read (at least 20ms); a view older than twice this
     *     revokes handles
     * @param failureThreshold consecutive Redis infrastructure failures that open this instance's breaker (at least 1)
     * @param probeInterval how often Redis is probed while locks are on the database, and while nobody on the instance
     *     locks (at least refresh-interval)
     * @param probeSuccesses consecutive successful probes (each reaching every Redis Cluster primary) needed before
     *     locks move back to Redis (at least 1)
     * @param quietPeriod how long no instance may have recorded a Redis failure before locks move back to Redis (at
     *     least probe-interval); every instance records the failures it sees in the shared mode row
     * @param reconnectDelay deprecated: use ballast.lock.redis.reconnect-delay, which applies to the REDIS backend too;
     *     when set, this still wins for RESILIENT (at least 10ms)
     */
    public record Resilient(
            @DefaultValue("2s") Duration maxLease,
            @DefaultValue("500ms") Duration refreshInterval,
            @DefaultValue("3") int failureThreshold,
            @DefaultValue("1s") Duration probeInterval,
            @DefaultValue("2") int probeSuccesses,
            @DefaultValue("5s") Duration quietPeriod,
            @Nullable Duration reconnectDelay) {

        public Resilient {
            requireAtLeast("max-lease", maxLease, Duration.ofMillis(100));
            requireAtLeast("refresh-interval", refreshInterval, Duration.ofMillis(20));
            requireAtLeast("probe-interval", probeInterval, refreshInterval);
            requireAtLeast("quiet-period", quietPeriod, probeInterval);
            if (reconnectDelay != null) {
                requireAtLeast("reconnect-delay", reconnectDelay, Duration.ofMillis(10));
            }
            if (failureThreshold < 1) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.lock.resilient.failure-threshold", failureThreshold, "must be at least 1");
            }
            if (probeSuccesses < 1) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.lock.resilient.probe-successes", probeSuccesses, "must be at least 1");
            }
        }

        private static void requireAtLeast(String name, Duration value, Duration minimum) {
            if (value.compareTo(minimum) < 0) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.lock.resilient." + name,
                        value,
                        "must be at least " + InvalidBallastPropertyException.display(minimum));
            }
        }
    }
}
