package dev.ballast.lock.redis;

import dev.ballast.lock.LockClock;
import dev.ballast.lock.internal.RedisFailures;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The lock's own two Redis connections: commands, and pub/sub for release notices.
 *
 * <p>The client is a standalone {@link RedisClient} (also when its URI names Sentinels: Lettuce then asks them for the
 * primary on every (re)connect) or a {@link RedisClusterClient}: its command connection sends each call to the primary
 * of the key's slot, and its pub/sub connection subscribes on one node (classic pub/sub reaches every node's
 * subscribers, whichever node published).
 *
 * <p>With a reconnect delay, a connection that is down makes calls fail at once (instead of queueing in Lettuce until
 * the command timeout), and fresh connections are opened on a background thread at most once per delay, whatever
 * Lettuce's own, growing reconnect back-off does for the client's other connections. Without one, reconnecting is left
 * to Lettuce.
 *
 * <p>Redis need not be reachable when the link is made (Redis down, or not yet up, while the application starts): the
 * link is then made without connections, every call fails at once as if the connection were down, and a connection is
 * tried every reconnect delay ({@link #FIRST_CONNECT_RETRY} without one) until one succeeds or the link is closed. Each
 * attempt waits at most the client's connect timeout.
 *
 * <p>Every command waits at most the link's command timeout for its reply (set on its own connections, whatever the
 * client's default): a command sent just before Redis died or froze fails then, instead of waiting in Lettuce until a
 * connection is back.
 *
 * <p>Concurrency: the connections are volatile and swapped by the one reconnect thread at a time that {@link
 * #reconnecting} admits; any thread may call {@link #commands()}.
 */
final class RedisLink implements AutoCloseable {

    /** A command connection and its synchronous API (standalone or cluster). */
    private record Commands(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> sync) {}

    private final AbstractRedisClient client;
    private final LockClock clock;
    private final @Nullable Duration reconnectDelay;
    private final Duration commandTimeout;
    private final Consumer<StatefulRedisPubSubConnection<String, String>> subscribe;
    private final AtomicBoolean reconnecting = new AtomicBoolean();
    /** How often a link that never connected tries again when no reconnect delay is set. */
    static final Duration FIRST_CONNECT_RETRY = Duration.ofSeconds(1);
    /** Start-up connection attempts while the connection is closed during the handshake. */
    private static final int HANDSHAKE_ATTEMPTS = 3;

    private volatile @Nullable Commands commands;
    private volatile @Nullable StatefulRedisPubSubConnection<String, String> notifications;
    private volatile long lastAttemptNanos;
    private volatile boolean closed;
    /** Why the last attempt to connect failed; null until one has. */
    private volatile @Nullable RuntimeException lastConnectFailure;

    RedisLink(
            AbstractRedisClient client,
            LockClock clock,
            @Nullable Duration reconnectDelay,
            Duration commandTimeout,
            Consumer<StatefulRedisPubSubConnection<String, String>> subscribe) {
        this.client = client;
        this.clock = clock;
        this.reconnectDelay = reconnectDelay;
        this.commandTimeout = commandTimeout;
        this.subscribe = subscribe;
        this.lastAttemptNanos = clock.nanoTime();
        if (!connectAtStart()) {
            scheduleFirstConnect();
        }
    }

    /**
     * Connects; a connection closed during the handshake is tried again at once, {@value #HANDSHAKE_ATTEMPTS} attempts
     * in all ({@link RedisFailures#closedDuringHandshake}); true when connected.
     */
    private boolean connectAtStart() {
        for (int attempt = 0; attempt < HANDSHAKE_ATTEMPTS; attempt++) {
            if (connectMissing()) {
                return true;
            }
            if (!RedisFailures.closedDuringHandshake(lastConnectFailure)) {
                return false;
            }
        }
        return false;
    }

    /**
     * Commands on the current connection; fails at once while there is none yet, or while it is down if a reconnect
     * delay is set.
     */
    RedisClusterCommands<String, String> commands() {
        Commands current = commands;
        StatefulRedisPubSubConnection<String, String> subscription = notifications;
        if (current == null || subscription == null) {
            throw new NotConnected(
                    "The lock is not connected to Redis yet; a connection is tried every "
                            + retryDelay().toMillis() + " ms",
                    lastConnectFailure);
        }
        if (reconnectDelay == null || current.connection().isOpen()) {
            if (reconnectDelay != null && !subscription.isOpen()) {
                reconnectSoon();
            }
            return current.sync();
        }
        reconnectSoon();
        throw new NotConnected(
                "The lock's Redis connection is down; a new one is tried every " + reconnectDelay.toMillis() + " ms");
    }

    private Duration retryDelay() {
        return reconnectDelay != null ? reconnectDelay : FIRST_CONNECT_RETRY;
    }

    /** Opens whichever connection is missing; true when both are there. Never throws. */
    private boolean connectMissing() {
        if (!reconnecting.compareAndSet(false, true)) {
            return false;
        }
        try {
            if (commands == null) {
                commands = connect();
            }
            if (notifications == null) {
                StatefulRedisPubSubConnection<String, String> fresh = connectPubSub();
                try {
                    subscribe.accept(fresh);
                } catch (RuntimeException e) {
                    var unused = fresh.closeAsync();
                    throw e;
                }
                notifications = fresh;
            }
            if (closed) {
                closeConnections();
            }
            return true;
        } catch (RuntimeException unreachable) {
            lastConnectFailure = unreachable; // the cause of the "not connected yet" failures callers see
            return false; // Redis is not reachable yet: tried again after the delay
        } finally {
            reconnecting.set(false);
        }
    }

    /**
     * Until the first connection succeeds, tries again every {@link #retryDelay()}, on a virtual thread rather than the
     * clock's timer (an attempt may wait the client's connect timeout).
     */
    private void scheduleFirstConnect() {
        try {
            var unused = clock.schedule(
                    () -> Thread.ofVirtual().name("ballast-lock-redis-connect").start(() -> {
                        if (!closed && !connectMissing() && !closed) {
                            scheduleFirstConnect();
                        }
                    }),
                    retryDelay().toNanos());
        } catch (RuntimeException timerStopped) {
            // the strategy is closing and its clock's timer with it: nothing left to connect for
        }
    }

    private Commands connect() {
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, String> fresh = cluster.connect();
            fresh.setTimeout(commandTimeout);
            return new Commands(fresh, fresh.sync());
        }
        StatefulRedisConnection<String, String> fresh = ((RedisClient) client).connect();
        fresh.setTimeout(commandTimeout);
        return new Commands(fresh, fresh.sync());
    }

    private StatefulRedisPubSubConnection<String, String> connectPubSub() {
        StatefulRedisPubSubConnection<String, String> fresh = client instanceof RedisClusterClient cluster
                ? cluster.connectPubSub()
                : ((RedisClient) client).connectPubSub();
        fresh.setTimeout(commandTimeout);
        return fresh;
    }

    private void reconnectSoon() {
        long now = clock.nanoTime();
        if (closed
                || reconnectDelay == null
                || now - lastAttemptNanos < reconnectDelay.toNanos()
                || !reconnecting.compareAndSet(false, true)) {
            return;
        }
        lastAttemptNanos = now;
        Thread.ofVirtual().name("ballast-lock-redis-reconnect").start(this::reconnect);
    }

    private void reconnect() {
        try {
            Commands old = commands;
            if (old != null && !old.connection().isOpen()) {
                commands = connect();
                var unused = old.connection().closeAsync();
            }
            StatefulRedisPubSubConnection<String, String> oldNotifications = notifications;
            if (oldNotifications != null && !oldNotifications.isOpen()) {
                StatefulRedisPubSubConnection<String, String> fresh = connectPubSub();
                subscribe.accept(fresh);
                notifications = fresh;
                var unused = oldNotifications.closeAsync();
            }
        } catch (RuntimeException stillDown) {
            // Redis is still unreachable: the next call after the delay tries again
        } finally {
            reconnecting.set(false);
        }
    }

    /** A call refused before anything was sent: the link has no open connection. */
    static final class NotConnected extends RedisConnectionException {

        private static final long serialVersionUID = 1L;

        NotConnected(String message) {
            super(message);
        }

        /** {@code cause}: why the last connection attempt failed (e.g. Redis refused the password), or null. */
        NotConnected(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeConnections();
    }

    private void closeConnections() {
        StatefulRedisPubSubConnection<String, String> subscription = notifications;
        if (subscription != null) {
            subscription.close();
        }
        Commands current = commands;
        if (current != null) {
            current.connection().close();
        }
    }
}
