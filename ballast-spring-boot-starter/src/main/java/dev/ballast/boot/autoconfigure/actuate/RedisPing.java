package dev.ballast.boot.autoconfigure.actuate;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The PING of the Redis lock backend's health, on one connection kept for all health reads (opened by the first read
 * that reaches Redis), so reading health does not open a connection each time. A PING waits at most the timeout, and so
 * does a read for the connection to open: the connect goes on in the background, and a later read takes the connection
 * it made (opening a connection to a frozen Redis, which the kernel accepts but nobody answers, took the client's
 * whole command timeout, 60 s by default, found by a black-box check). While the connection is down the PING fails at
 * once, and a read at least {@link #RECONNECT_INTERVAL} after the last attempt closes it and opens a new one: Lettuce's
 * own reconnects back off up to 30 s, so health said Redis was unreachable for up to 30 s after it answered again (found
 * by a black-box check). Closed with the application context.
 *
 * <p>Thread-safe: one PING at a time, and a read that comes while one is under way takes its answer instead of
 * queueing a PING of its own: with Redis frozen, reads queued behind each other's timeouts made the tenth concurrent
 * read wait ten timeouts. The state is guarded by a lock held only to pick the read that pings (never across Redis
 * I/O), so a waiting read parks, and on virtual threads gives its carrier back (Java 21 pins a carrier to a thread
 * blocked in {@code synchronized}).
 */
final class RedisPing implements AutoCloseable {

    /** How often a read may replace a connection that is down with a new one. */
    static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

    private final AbstractRedisClient redis;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    /** The PING under way, which later reads take the answer of; guarded by {@link #lock}. */
    private @Nullable CompletableFuture<@Nullable Void> inFlight;
    /** Touched only by the read that pings (one at a time), and by {@link #close()}. */
    private volatile @Nullable StatefulConnection<String, String> connection;

    /** The connect under way, started by a read that gave up waiting for it; touched like {@link #connection}. */
    private volatile @Nullable CompletableFuture<StatefulConnection<String, String>> connecting;

    private long lastAttempt;
    private @Nullable RuntimeException lastFailure;
    private volatile boolean closed;

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
    void ping() {
        CompletableFuture<@Nullable Void> answer = new CompletableFuture<>();
        boolean mine = true;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("The Redis health check is closed");
            }
            CompletableFuture<@Nullable Void> running = inFlight;
            if (running != null) {
                answer = running;
                mine = false;
            } else {
                inFlight = answer;
            }
        } finally {
            lock.unlock();
        }
        if (!mine) {
            awaitAnswer(answer);
            return;
        }
        try {
            pingNow();
            answer.complete(null);
        } catch (RuntimeException | Error e) {
            answer.completeExceptionally(e);
            throw e;
        } finally {
            lock.lock();
            try {
                inFlight = null;
            } finally {
                lock.unlock();
            }
        }
    }

    /** The answer of another read's PING, waited for at most the timeout and a second (its connect may take that). */
    private void awaitAnswer(CompletableFuture<@Nullable Void> answer) {
        long waitNanos = timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        try {
            answer.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime; // the same failure as the read that pinged: health reports it alike
            }
            throw new IllegalStateException("The Redis PING failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Redis did not answer a PING within "
                    + Duration.ofNanos(waitNanos).toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the Redis PING", e);
        }
    }

    private void pingNow() {
        StatefulConnection<String, String> current = connection;
        if (current == null || !current.isOpen()) {
            CompletableFuture<StatefulConnection<String, String>> opening = connecting;
            if (opening == null) {
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
                opening = CompletableFuture.supplyAsync(this::connect, task -> Thread.ofVirtual()
                        .name("ballast-redis-health-connect")
                        .start(task));
                connecting = opening;
            }
            current = awaitConnect(opening);
            connecting = null;
            lastFailure = null;
            connection = current;
            if (closed) { // closed while connecting: close() did not see this connection
                connection = null;
                current.close();
                throw new IllegalStateException("The Redis health check is closed");
            }
        }
        if (current instanceof StatefulRedisClusterConnection<String, String> cluster) {
            cluster.sync().ping();
        } else {
            ((StatefulRedisConnection<String, String>) current).sync().ping();
        }
    }

    /**
     * The connection {@code opening} makes, waited for at most the timeout; after that it goes on in the background for
     * the next read to take, and this read fails.
     */
    private StatefulConnection<String, String> awaitConnect(
            CompletableFuture<StatefulConnection<String, String>> opening) {
        try {
            return opening.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Redis did not complete a new connection within " + timeout.toMillis()
                    + " ms (still trying in the background)");
        } catch (ExecutionException e) {
            connecting = null;
            RuntimeException failure = e.getCause() instanceof RuntimeException runtime
                    ? runtime
                    : new IllegalStateException("Redis could not be reached: " + e.getCause(), e.getCause());
            lastFailure = failure;
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while connecting to Redis for the health PING", e);
        }
    }

    private StatefulConnection<String, String> connect() {
        StatefulConnection<String, String> opened =
                redis instanceof RedisClusterClient cluster ? cluster.connect() : ((RedisClient) redis).connect();
        opened.setTimeout(timeout);
        return opened;
    }

    /** Closes the connection; later PINGs fail (one under way may still answer). */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        StatefulConnection<String, String> open = connection;
        connection = null;
        if (open != null) {
            open.close();
        }
        CompletableFuture<StatefulConnection<String, String>> opening = connecting;
        if (opening != null) {
            var unused = opening.thenAccept(StatefulConnection::close); // whenever the connect under way ends
        }
    }
}
