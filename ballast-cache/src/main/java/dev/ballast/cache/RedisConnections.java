package dev.ballast.cache;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisServerCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cache's two connections to Redis: commands (standalone or cluster), and pub/sub subscribed to the cache's
 * channel. Opens them, tells whether they are connected, and replaces either with a fresh one when Lettuce has not
 * reconnected it yet. No breaker, no alerts: {@link RedisLink} decides when to call what.
 *
 * <p>Concurrency: the connections are volatile fields, read on any thread (callers, refresh threads, the scheduler)
 * and replaced only on {@link RedisLink}'s scheduler thread ({@link #liveCommands()}, {@link #livePubSub()},
 * {@link #subscribe()} from its probe or check), or by {@link #connect()} and {@link #subscribe()} before
 * {@link RedisLink#start} returns. A reader sees the old or the new connection, never a half-made one. The
 * {@link Events} are called on Lettuce's threads (messages, re-subscription) and on the thread that subscribes.
 */
final class RedisConnections {

    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    /** What the subscription reports; must not block. */
    interface Events {
        void message(byte[] raw);

        /** Lettuce re-subscribed after a reconnect: messages in between are lost. */
        void resubscribed();

        /** Subscribing failed; retried by the next check. */
        void subscribeFailed(RuntimeException e);
    }

    /** A command connection and its synchronous API (standalone or cluster). */
    record Commands(StatefulConnection<String, byte[]> connection, RedisClusterCommands<String, byte[]> sync) {}

    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private static final Pattern DATABASE = Pattern.compile("(?:^| )db=(\\d+)");

    private final AbstractRedisClient client;
    private final Duration timeout;
    private final String baseChannel;
    private final Events events;
    /** The channel of this client's database, once a connection has told which it is; see {@link #channel()}. */
    private volatile @Nullable String channel;

    private volatile @Nullable Commands connection;
    private volatile @Nullable StatefulRedisPubSubConnection<String, byte[]> pubSub;
    private volatile boolean subscribedOnce;

    RedisConnections(AbstractRedisClient client, Duration timeout, String channel, Events events) {
        this.client = client;
        this.timeout = timeout;
        this.baseChannel = channel;
        this.events = events;
    }

    /**
     * The cache's channel on this client's database. Redis delivers a message to every subscriber of its channel
     * whatever database either side selected, so two services that share a server in different databases and have a
     * cache of the same name would take each other's invalidations and "released" signals, values included. The
     * channel of database 0 (and of a Cluster, which has no other) is the cache's channel as named; database {@code n}
     * adds {@code @n}. Known once a connection has asked the server ({@code CLIENT INFO}); every publish and the
     * subscription go through a connection, so none uses the name before that.
     */
    String channel() {
        String known = channel;
        return known != null ? known : baseChannel;
    }

    /** Learns the channel from {@code connection}'s database, the first time a standalone connection opens. */
    private void learnDatabase(RedisServerCommands<String, byte[]> connection) {
        if (channel != null) {
            return;
        }
        String info;
        try {
            info = clientInfo(connection);
        } catch (RedisCommandExecutionException e) { // an ACL without CLIENT: keep working on the shared channel
            log.warn(
                    "Redis refused CLIENT INFO and CLIENT LIST ({}): cache channel {} is not told apart by database, so"
                            + " a cache of the same name in another database of this server shares it; allow"
                            + " +client|info for this user",
                    e.getMessage(),
                    baseChannel);
            channel = baseChannel;
            return;
        }
        Matcher database = DATABASE.matcher(info);
        int number = database.find() ? Integer.parseInt(database.group(1)) : 0;
        channel = number == 0 ? baseChannel : baseChannel + "@" + number;
    }

    /** {@code CLIENT INFO}, or before Redis 6.2 this connection's line of {@code CLIENT LIST}. */
    private static String clientInfo(RedisServerCommands<String, byte[]> connection) {
        try {
            return connection.clientInfo();
        } catch (RedisCommandExecutionException e) {
            String id = "id=" + connection.clientId() + " ";
            return connection
                    .clientList()
                    .lines()
                    .filter(line -> line.startsWith(id))
                    .findFirst()
                    .orElse("");
        }
    }

    /** Opens the command connection; throws if Redis does not answer. */
    void connect() {
        connection = open();
    }

    /** The command connection now, if one was opened. */
    @Nullable
    Commands current() {
        return connection;
    }

    boolean commandsOpen() {
        Commands current = connection;
        return current != null && current.connection().isOpen();
    }

    boolean subscribed() {
        return pubSub != null;
    }

    boolean pubSubOpen() {
        StatefulRedisPubSubConnection<String, byte[]> subscription = pubSub;
        return subscription != null && subscription.isOpen();
    }

    /** Fails at once while the connection is not connected: no caller waits for a connection attempt. */
    RedisClusterCommands<String, byte[]> commands() {
        Commands open = connection;
        if (open == null || !open.connection().isOpen()) {
            throw new RedisConnectionException("not connected to Redis");
        }
        return open.sync();
    }

    /** Subscribes on a fresh pub/sub connection; a failure goes to {@link Events#subscribeFailed}. */
    void subscribe() {
        StatefulRedisPubSubConnection<String, byte[]> subscription = null;
        try {
            subscription = openPubSub();
            subscription.setTimeout(timeout);
            if (!(client instanceof RedisClusterClient)) {
                learnDatabase(subscription.sync());
            }
            subscription.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, byte[] message) {
                    events.message(message);
                }

                @Override
                public void subscribed(String to, long count) {
                    if (subscribedOnce) {
                        events.resubscribed();
                    }
                    subscribedOnce = true;
                }
            });
            subscription.sync().subscribe(channel());
            pubSub = subscription;
        } catch (RuntimeException e) {
            if (subscription != null) {
                var unused = subscription.closeAsync();
            }
            events.subscribeFailed(e);
        }
    }

    /** The command connection, replaced by a fresh one if it is not connected. */
    RedisClusterCommands<String, byte[]> liveCommands() {
        Commands current = connection;
        if (current == null || !current.connection().isOpen()) {
            Commands fresh = open();
            connection = fresh;
            if (current != null) {
                var unused = current.connection().closeAsync();
            }
            current = fresh;
        }
        return current.sync();
    }

    /** Checks the pub/sub connection with a PING, or subscribes on a fresh one if it is not connected. */
    void livePubSub() {
        StatefulRedisPubSubConnection<String, byte[]> current = pubSub;
        if (current != null && current.isOpen()) {
            current.sync().ping();
            return;
        }
        pubSub = null;
        if (current != null) {
            var unused = current.closeAsync();
        }
        subscribe();
        if (pubSub == null) {
            throw new RedisConnectionException("pub/sub subscription failed");
        }
    }

    void close() {
        StatefulRedisPubSubConnection<String, byte[]> subscription = pubSub;
        if (subscription != null) {
            subscription.close();
        }
        Commands open = connection;
        if (open != null) {
            open.connection().close();
        }
    }

    private Commands open() {
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, byte[]> fresh = cluster.connect(CODEC);
            fresh.setTimeout(timeout);
            return new Commands(fresh, fresh.sync());
        }
        StatefulRedisConnection<String, byte[]> fresh = ((RedisClient) client).connect(CODEC);
        fresh.setTimeout(timeout);
        try {
            learnDatabase(fresh.sync());
        } catch (RuntimeException e) {
            var unused = fresh.closeAsync();
            throw e;
        }
        return new Commands(fresh, fresh.sync());
    }

    private StatefulRedisPubSubConnection<String, byte[]> openPubSub() {
        return client instanceof RedisClusterClient cluster
                ? cluster.connectPubSub(CODEC)
                : ((RedisClient) client).connectPubSub(CODEC);
    }
}
