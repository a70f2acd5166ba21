package dev.ballast.lock.redis;

import dev.ballast.lock.LockClock;
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
 * <p>Concurrency: the connections are volatile and swapped by the one reconnect thread at a time that {@link
 * #reconnecting} admits; any thread may call {@link #commands()}.
 */
final class RedisLink implements AutoCloseable {

    /** A command connection and its synchronous API (standalone or cluster). */
    private record Commands(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> sync) {}

    private final AbstractRedisClient client;
    private final LockClock clock;
    private final @Nullable Duration reconnectDelay;
    private final Consumer<StatefulRedisPubSubConnection<String, String>> subscribe;
    private final AtomicBoolean reconnecting = new AtomicBoolean();
    private volatile Commands commands;
    private volatile StatefulRedisPubSubConnection<String, String> notifications;
    private volatile long lastAttemptNanos;
    private volatile boolean closed;

    RedisLink(
            AbstractRedisClient client,
            LockClock clock,
            @Nullable Duration reconnectDelay,
            Consumer<StatefulRedisPubSubConnection<String, String>> subscribe) {
        this.client = client;
        this.clock = clock;
        this.reconnectDelay = reconnectDelay;
        this.subscribe = subscribe;
        this.commands = connect();
        try {
            this.notifications = connectPubSub();
            subscribe.accept(notifications);
        } catch (RuntimeException e) {
            commands.connection().close();
            throw e;
        }
        this.lastAttemptNanos = clock.nanoTime();
    }

    /** Commands on the current connection; fails at once while it is down, if a reconnect delay is set. */
    RedisClusterCommands<String, String> commands() {
        Commands current = commands;
        if (reconnectDelay == null || current.connection().isOpen()) {
            if (reconnectDelay != null && !notifications.isOpen()) {
                reconnectSoon();
            }
            return current.sync();
        }
        reconnectSoon();
        throw new RedisConnectionException(
                "The lock's Redis connection is down; a new one is tried every " + reconnectDelay.toMillis() + " ms");
    }

    private Commands connect() {
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, String> fresh = cluster.connect();
            return new Commands(fresh, fresh.sync());
        }
        StatefulRedisConnection<String, String> fresh = ((RedisClient) client).connect();
        return new Commands(fresh, fresh.sync());
    }

    private StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return client instanceof RedisClusterClient cluster
                ? cluster.connectPubSub()
                : ((RedisClient) client).connectPubSub();
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
            if (!commands.connection().isOpen()) {
                Commands old = commands;
                commands = connect();
                old.connection().closeAsync();
            }
            if (!notifications.isOpen()) {
                StatefulRedisPubSubConnection<String, String> fresh = connectPubSub();
                subscribe.accept(fresh);
                StatefulRedisPubSubConnection<String, String> old = notifications;
                notifications = fresh;
                old.closeAsync();
            }
        } catch (RuntimeException stillDown) {
            // Redis is still unreachable: the next call after the delay tries again
        } finally {
            reconnecting.set(false);
        }
    }

    @Override
    public void close() {
        closed = true;
        notifications.close();
        commands.connection().close();
    }
}
