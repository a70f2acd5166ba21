package dev.ballast.cache;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A redis-server of the test's own (that the test may kill or freeze) and instances of one cache on it, each with its
 * own Redis client, L1 and meter registry, like separate hosts. Not thread-safe: drive it from the test thread.
 */
final class OwnRedisInstances implements AutoCloseable {

    final RedisServer redis;
    final List<TieredCache<String, Quote>> instances = new ArrayList<>();
    final List<SimpleMeterRegistry> registries = new ArrayList<>();
    private final List<RedisClient> clients = new ArrayList<>();

    OwnRedisInstances(int count, CacheSettings settings, AlertSink alerts) throws IOException {
        redis = RedisServer.start();
        for (int i = 0; i < count; i++) {
            RedisClient client = RedisClient.create(redis.uri());
            clients.add(client);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registries.add(registry);
            instances.add(TieredCache.<String, Quote>builder(settings, Codec.json(Quote.class))
                    .redis(client)
                    .alerts(alerts)
                    .meterRegistry(registry)
                    .build());
        }
    }

    /** Whether every instance's breaker is in {@code state} (0 closed, 2 open). */
    boolean breakers(int state) {
        return registries.stream()
                .allMatch(r -> r.get("ballast.cache.l2.breaker.state").gauge().value() == state);
    }

    @Override
    public void close() throws IOException {
        instances.forEach(TieredCache::close);
        clients.forEach(RedisClient::shutdown);
        redis.close();
    }
}
