package dev.ballast.lock.redis;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;

/**
 * Factory of the Redis {@link LockStrategy}. Each strategy opens one command connection and one pub/sub connection on
 * the given client, closed with the strategy; the client stays the caller's. Each command waits at most the builder's
 * {@link RedisLockStrategyBuilder#commandTimeout} for its reply.
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

    /** A builder of Redis lock strategies on a standalone or Sentinel {@code client}. */
    public static RedisLockStrategyBuilder builder(RedisClient client) {
        return new RedisLockStrategyBuilder(client);
    }

    /**
     * A builder of Redis lock strategies on a Redis Cluster; reconnecting and following topology changes are left to
     * Lettuce (enable its adaptive topology refresh so a promoted replica is found at once).
     */
    public static RedisLockStrategyBuilder builder(RedisClusterClient client) {
        return new RedisLockStrategyBuilder(client);
    }
}
