package dev.ballast.cache;

import dev.ballast.core.alert.AlertSink;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One cache's L2 in Redis, assembled: the link (connections and breaker), the invalidation channel, the entries and
 * the load leases. No call of its parts throws for a Redis failure: they answer "unavailable" and the breaker opens.
 * Immutable after construction; its parts are thread-safe.
 */
record RedisL2(RedisLink link, InvalidationChannel channel, RedisEntries entries, LeaseScripts leases)
        implements AutoCloseable {

    static RedisL2 connect(
            AbstractRedisClient client,
            CacheSettings settings,
            EntryCodec codec,
            AlertSink alerts,
            CacheMeters meters,
            L2Events events,
            ScheduledExecutorService scheduler,
            InstantSource clock) {
        RedisKeys keys = RedisKeys.of(settings, client instanceof RedisClusterClient);
        RedisLink link = new RedisLink(client, settings, keys, alerts, meters);
        InvalidationChannel channel = new InvalidationChannel(settings.name(), keys, link, meters, events);
        link.start(channel, scheduler);
        return new RedisL2(
                link,
                channel,
                new RedisEntries(settings, keys, link, channel, codec, meters, clock),
                new LeaseScripts(settings, keys, link, channel));
    }

    boolean available() {
        return link.available();
    }

    TieredCache.L2Status status() {
        return link.status();
    }

    @Override
    public void close() {
        link.close();
    }
}
