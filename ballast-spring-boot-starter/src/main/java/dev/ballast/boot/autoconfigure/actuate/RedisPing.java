package dev.ballast.boot.autoconfigure.actuate;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The PING of the Redis lock backend's health, on one connection kept for all health reads (opened by the first read
 * that reaches Redis; Lettuce reconnects it after an outage), so reading health does not open a connection each time.
 * A PING waits at most the timeout (opening the connection, the client's connect timeout); while Lettuce is
 * reconnecting, the PING fails at once instead of being queued behind the reconnect. Closed with the application
 * context. Thread-safe: reads are serialised.
 */
final class RedisPing implements AutoCloseable {

    private final AbstractRedisClient redis;
    private final Duration timeout;
    private @Nullable StatefulConnection<String, String> connection;
    private boolean closed;

    RedisPing(AbstractRedisClient redis, Duration timeout) {
        this.redis = redis;
        this.timeout = timeout;
    }

    /**
     * Sends a PING to the primary (standalone, Sentinel) or a node of the cluster.
     *
     * @throws RuntimeException if Redis cannot be reached, does not answer within the timeout, or the connection is
     *     down
     */
    synchronized void ping() {
        if (closed) {
            throw new IllegalStateException("The Redis health check is closed");
        }
        StatefulConnection<String, String> current = connection;
        if (current == null) {
            current = connect();
            connection = current;
        }
        if (!current.isOpen()) {
            throw new IllegalStateException("The Redis connection is down (Lettuce is reconnecting)");
        }
        if (current instanceof StatefulRedisClusterConnection<String, String> cluster) {
            cluster.sync().ping();
        } else {
            ((StatefulRedisConnection<String, String>) current).sync().ping();
        }
    }

    private StatefulConnection<String, String> connect() {
        StatefulConnection<String, String> opened =
                redis instanceof RedisClusterClient cluster ? cluster.connect() : ((RedisClient) redis).connect();
        opened.setTimeout(timeout);
        return opened;
    }

    /** Closes the connection; later PINGs fail. */
    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
