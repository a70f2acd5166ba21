package dev.ballast.lock.redis;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.Objects;

/**
 * Factory of the Redis {@link LockStrategy}. Each strategy opens one command connection and one pub/sub connection on
 * the given client, closed with the strategy; the client stays the caller's. Command timeouts are the client's.
 */
public final class RedisLockStrategies {

    private RedisLockStrategies() {}

    /** A Redis lock strategy on {@code client}; reconnecting after an outage is left to Lettuce. */
    public static LockStrategy create(RedisClient client, LockListener listener, AlertSink alerts) {
        return builder(client).listener(listener).alerts(alerts).build();
    }

    /** A builder of Redis lock strategies on {@code client}; reconnecting after an outage is left to Lettuce. */
    public static LockStrategyBuilder builder(RedisClient client) {
        Objects.requireNonNull(client, "client");
        return new LeaseStrategyBuilder(clock -> new RedisLockBackend(client, clock, null));
    }

    /**
     * A builder of Redis lock strategies on {@code client} that reconnect on their own: while the lock's connection is
     * down, lock calls fail at once with an infrastructure error, and a fresh connection is tried at most every {@code
     * reconnectDelay} (Lettuce's own reconnect back-off grows to 30 s; this bounds how long the lock stays away after
     * Redis is back).
     *
     * @throws IllegalArgumentException if {@code reconnectDelay} is under 10 ms
     */
    public static LockStrategyBuilder builder(RedisClient client, Duration reconnectDelay) {
        Objects.requireNonNull(client, "client");
        if (reconnectDelay == null || reconnectDelay.toMillis() < 10) {
            throw new IllegalArgumentException("reconnectDelay must be at least 10 ms, was " + reconnectDelay);
        }
        return new LeaseStrategyBuilder(clock -> new RedisLockBackend(client, clock, reconnectDelay));
    }
}
