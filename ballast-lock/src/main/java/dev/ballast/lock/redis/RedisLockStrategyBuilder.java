package dev.ballast.lock.redis;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import io.lettuce.core.AbstractRedisClient;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Settings of a Redis {@link LockStrategy}; get one from {@link RedisLockStrategies#builder}. Each setter checks its
 * value at once. Not thread-safe; the strategy it builds is.
 *
 * <p>Defaults: each lock command waits at most {@link #DEFAULT_COMMAND_TIMEOUT} for its reply, whatever the client's own
 * timeout (Spring Boot's default is 60 s); reconnecting after an outage is left to Lettuce; no listener; alerts to the
 * log; the system clock with one timer thread per strategy; each key's fencing counter expires {@link
 * #DEFAULT_FENCE_RETENTION} after its last acquisition.
 */
public final class RedisLockStrategyBuilder implements LockStrategyBuilder {

    /** How long a lock command waits for Redis's reply unless {@link #commandTimeout} says otherwise. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);

    /** How long a key's fencing counter outlives its last acquisition unless {@link #fenceRetention} says otherwise. */
    public static final Duration DEFAULT_FENCE_RETENTION = Duration.ofDays(1);

    /** The shortest fence retention accepted: far above any clock disagreement between Redis and a database. */
    public static final Duration MIN_FENCE_RETENTION = Duration.ofHours(1);

    private final LeaseStrategyBuilder lease;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration fenceRetention = DEFAULT_FENCE_RETENTION;
    private @Nullable Duration reconnectDelay;

    RedisLockStrategyBuilder(AbstractRedisClient client) {
        Objects.requireNonNull(client, "client");
        // the backend is made at build time, with the settings as they are then
        this.lease = new LeaseStrategyBuilder(
                time -> new RedisLockBackend(client, time, reconnectDelay, commandTimeout, fenceRetention));
    }

    /**
     * How long each lock command (acquire, renew, release) waits for Redis's reply before it fails as an infrastructure
     * failure ({@link dev.ballast.lock.LockBackendException}), also when it was sent just before Redis died, froze or
     * became unreachable (Lettuce would otherwise hold it until the connection is back). An acquisition whose reply never
     * came is released in the background once Redis answers again, so it does not keep the key for a whole lease.
     *
     * @throws IllegalArgumentException if under 10 ms
     */
    public RedisLockStrategyBuilder commandTimeout(Duration timeout) {
        if (timeout == null || timeout.toMillis() < 10) {
            throw new IllegalArgumentException("commandTimeout must be at least 10 ms, was " + timeout);
        }
        this.commandTimeout = timeout;
        return this;
    }

    /**
     * Makes the strategy reconnect on its own: while the lock's connection is down, lock calls fail at once with an
     * infrastructure error, and a fresh connection is tried at most every {@code delay} (Lettuce's own reconnect
     * back-off grows to 30 s; this bounds how long the lock stays away after Redis is back). On a Redis Cluster the
     * connection stays open while single nodes fail (Lettuce reconnects to each node and follows the topology), so the
     * delay matters only for the pub/sub connection and for a cluster that is unreachable as a whole.
     *
     * @throws IllegalArgumentException if under 10 ms
     */
    public RedisLockStrategyBuilder reconnectDelay(Duration delay) {
        if (delay == null || delay.toMillis() < 10) {
            throw new IllegalArgumentException("reconnectDelay must be at least 10 ms, was " + delay);
        }
        this.reconnectDelay = delay;
        return this;
    }

    /**
     * How long each key's fencing counter ({@code ballast:lock:fence:{key}}) lives after the key's last acquisition (or
     * the resilient chain's raise of it), so keys that are never locked again (one-off ids, each instance's start-up
     * probe) do not stay in Redis for good. Each acquisition sets its own strategy's retention: use one value for all
     * instances.
     *
     * <p>Tokens keep rising across an expiry: a new counter starts at Redis's clock in microseconds, which has passed every
     * earlier token by then, as long as no token ran ahead of Redis's clock by more than the retention (a floor raised
     * from a database whose clock is ahead, Redis's clock set back). A key held longer than the retention is safe too:
     * nobody else gets a token while it is held.
     *
     * @throws IllegalArgumentException if under one hour
     */
    public RedisLockStrategyBuilder fenceRetention(Duration retention) {
        if (retention == null || retention.compareTo(MIN_FENCE_RETENTION) < 0) {
            throw new IllegalArgumentException("fenceRetention must be at least 1 hour, was " + retention);
        }
        this.fenceRetention = retention;
        return this;
    }

    @Override
    public RedisLockStrategyBuilder listener(LockListener listener) {
        lease.listener(listener);
        return this;
    }

    @Override
    public RedisLockStrategyBuilder alerts(AlertSink alerts) {
        lease.alerts(alerts);
        return this;
    }

    @Override
    public RedisLockStrategyBuilder clock(LockClock clock) {
        lease.clock(clock);
        return this;
    }

    @Override
    public LockStrategy build() {
        return lease.build();
    }
}
