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
 * that reaches Redis), so reading health does not open a connection each time. A PING waits at most the timeout
 * (opening the connection, the client's connect timeout). While the connection is down the PING fails at once, and a
 * read at least {@link #RECONNECT_INTERVAL} after the last attempt closes it and opens a new one: Lettuce's own
 * reconnects back off up to 30 s, so health said Redis was unreachable for up to 30 s after it answered again (found by
 * a black-box check). Closed with the application context. Thread-safe: reads are serialised.
 */
final class RedisPing implements AutoCloseable {

    /** How often a read may replace a connection that is down with a new one. */
    static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

    private final AbstractRedisClient redis;
    private final Duration timeout;
    private @Nullable StatefulConnection<String, String> connection;
    private long lastAttempt;
    private @Nullable RuntimeException lastFailure;
    private boolean closed;

    RedisPing(AbstractRedisClient redis, Duration timeout) {
        this.redis = redis;
        this.timeout = timeout;
        this.lastAttempt = System.nanoTime() - RECONNECT_INTERVAL.toNanos(); // the first read may connect
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
        if (current == null || !current.isOpen()) {
            long now = System.nanoTime();
            if (now - lastAttempt < RECONNECT_INTERVAL.toNanos()) {
                RuntimeException last = lastFailure;
                throw new IllegalStateException(
                        current != null || last == null
                                ? "The Redis connection is down (reconnecting)"
                                : "Redis could not be reached: " + last.getMessage(),
                        last);
            }
            lastAttempt = now; // at most one attempt per interval, whatever the number of health reads
            if (current != null) {
                connection = null;
                current.close(); // ends Lettuce's own reconnects, which back off up to 30 s
            }
            try {
                current = connect();
            } catch (RuntimeException e) {
                lastFailure = e;
                throw e;
            }
            lastFailure = null;
            connection = current;
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
