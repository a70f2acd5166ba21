package dev.ballast.lock.redis;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.internal.LeaseLockStrategy;
import io.lettuce.core.RedisClient;
import java.util.Objects;

/** Factory of the Redis {@link LockStrategy}. */
public final class RedisLockStrategies {

    private RedisLockStrategies() {}

    /**
     * A Redis lock strategy on {@code client}: it opens one command connection and one pub/sub connection, closed
     * with the strategy; the client stays the caller's. Command timeouts are the client's.
     */
    public static LockStrategy create(RedisClient client, LockListener listener, AlertSink alerts) {
        Objects.requireNonNull(client, "client");
        return new LeaseLockStrategy(new RedisLockBackend(client.connect(), client.connectPubSub()), listener, alerts);
    }
}
