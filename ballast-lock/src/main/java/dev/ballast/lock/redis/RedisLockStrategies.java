package dev.ballast.lock.redis;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.LockStrategyBuilder;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.Objects;

/**
 * Factory of the Redis {@link LockStrategy}. Each strategy opens one command connection and one pub/sub connection on
 * the given client, closed with the strategy; the client stays the caller's. Command timeouts are the client's.
 *
 * <p>Three topologies, one behaviour: a standalone {@link RedisClient}; the same client with a Sentinel URI ({@code
 * redis-sentinel://host:port,host:port#primary-name}), which follows the primary through failovers; and a {@link
 * RedisClusterClient}, where each lock lives in the slot of its key (lock and fence counter share a hash tag) and
 * multi-key locks across slots are taken one key at a time in one canonical order, all or nothing. With Sentinel or
 * Cluster, replication is asynchronous, so a failover can lose a lock that was just taken: a second holder may then
 * acquire it while the first still believes it holds it. Its fencing token is higher than the first's (see the module
 * documentation), so a resource that checks tokens rejects the stale holder's writes.
 */
public final class RedisLockStrategies {

    private RedisLockStrategies() {}

    /** A Redis lock strategy on {@code client}; reconnecting after an outage is left to Lettuce. */
    public static LockStrategy create(RedisClient client, LockListener listener, AlertSink alerts) {
        return builder(client).listener(listener).alerts(alerts).build();
    }

    /** A Redis lock strategy on a Redis Cluster; reconnecting after an outage is left to Lettuce. */
    public static LockStrategy create(RedisClusterClient client, LockListener listener, AlertSink alerts) {
        return builder(client).listener(listener).alerts(alerts).build();
    }

    /** A builder of Redis lock strategies on {@code client}; reconnecting after an outage is left to Lettuce. */
    public static LockStrategyBuilder builder(RedisClient client) {
        return lenient(client);
    }

    /**
     * A builder of Redis lock strategies on a Redis Cluster; reconnecting and following topology changes are left to
     * Lettuce (enable its adaptive topology refresh so a promoted replica is found at once).
     */
    public static LockStrategyBuilder builder(RedisClusterClient client) {
        return lenient(client);
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
        return reconnecting(client, reconnectDelay);
    }

    /**
     * As {@link #builder(RedisClient, Duration)}, on a Redis Cluster. A cluster connection stays open while single nodes
     * fail (Lettuce reconnects to each node and follows the topology), so the delay matters only for the pub/sub
     * connection and for a cluster that is unreachable as a whole.
     *
     * @throws IllegalArgumentException if {@code reconnectDelay} is under 10 ms
     */
    public static LockStrategyBuilder builder(RedisClusterClient client, Duration reconnectDelay) {
        return reconnecting(client, reconnectDelay);
    }

    private static LockStrategyBuilder lenient(AbstractRedisClient client) {
        Objects.requireNonNull(client, "client");
        return new LeaseStrategyBuilder(clock -> new RedisLockBackend(client, clock, null));
    }

    private static LockStrategyBuilder reconnecting(AbstractRedisClient client, Duration reconnectDelay) {
        Objects.requireNonNull(client, "client");
        if (reconnectDelay == null || reconnectDelay.toMillis() < 10) {
            throw new IllegalArgumentException("reconnectDelay must be at least 10 ms, was " + reconnectDelay);
        }
        return new LeaseStrategyBuilder(clock -> new RedisLockBackend(client, clock, reconnectDelay));
    }
}
