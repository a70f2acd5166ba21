package dev.ballast.bench.cache;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.springframework.cache.Cache;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * One application instance's cache under comparison, read the way a {@code @Cacheable} method reads it. Each subject
 * has its own connections, so several subjects in one JVM behave like several instances. Values are strings (no JDK
 * serialization anywhere). Thread-safe.
 */
interface CacheSubject extends AutoCloseable {

    /** The value of {@code key}, loading it with {@code loader} on a miss. */
    String get(String key, Callable<String> loader) throws Exception;

    /** Forgets {@code key} (in Redis too, where there is one). */
    void evict(String key);

    @Override
    void close();

    /**
     * A subject by name: {@code ballast} (TieredCache, L1 + Redis L2), {@code spring-sync-false} and
     * {@code spring-sync-true} (Spring's {@code RedisCacheManager} with its default, non-locking cache writer, as
     * {@code @Cacheable} uses it without and with {@code sync}), {@code spring-locking-sync-true} (the same with
     * Spring's locking cache writer, a cache-wide lock in Redis), {@code caffeine} (L1 only, per-JVM single-flight),
     * {@code caffeine-refresh} (the same with Caffeine's own early refresh, {@code refreshAfterWrite} at 80 % of the
     * TTL).
     */
    static CacheSubject create(String name, String cacheName, int redisPort, Duration ttl) {
        return switch (name) {
            case "ballast" -> new Ballast(cacheName, redisPort, ttl);
            case "ballast-cluster" -> new BallastOnCluster(cacheName, redisPort, ttl);
            case "spring-sync-false" -> new SpringRedis(cacheName, redisPort, ttl, false, false);
            case "spring-sync-true" -> new SpringRedis(cacheName, redisPort, ttl, true, false);
            case "spring-locking-sync-true" -> new SpringRedis(cacheName, redisPort, ttl, true, true);
            case "caffeine" -> new CaffeineOnly(ttl, false);
            case "caffeine-refresh" -> new CaffeineOnly(ttl, true);
            default -> throw new IllegalArgumentException("unknown subject " + name);
        };
    }

    final class Ballast implements CacheSubject {
        private final RedisClient client;
        private final TieredCache<String, String> cache;

        Ballast(String cacheName, int redisPort, Duration ttl) {
            client = RedisClient.create("redis://127.0.0.1:" + redisPort);
            CacheSettings settings = CacheSettings.builder(cacheName)
                    .l1Ttl(ttl)
                    .l2Ttl(ttl)
                    .ttlJitter(0)
                    .build();
            cache = TieredCache.<String, String>builder(settings, Codec.json(String.class))
                    .redis(client)
                    .build();
        }

        @Override
        public String get(String key, Callable<String> loader) {
            return cache.get(key, k -> loader.call());
        }

        @Override
        public void evict(String key) {
            cache.evict(key);
        }

        @Override
        public void close() {
            cache.close();
            client.shutdown();
        }
    }

    /**
     * Ballast on a Redis Cluster: {@code seedPort} is any node of the cluster (the client finds the others), with
     * adaptive topology refresh as Ballast's starter sets it.
     */
    final class BallastOnCluster implements CacheSubject {
        private final RedisClusterClient client;
        private final TieredCache<String, String> cache;

        @SuppressWarnings("deprecation") // Lettuce 7 deprecates it without a replacement (as the starter does)
        BallastOnCluster(String cacheName, int seedPort, Duration ttl) {
            client = RedisClusterClient.create("redis://127.0.0.1:" + seedPort);
            client.setOptions(ClusterClientOptions.builder()
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            CacheSettings settings = CacheSettings.builder(cacheName)
                    .l1Ttl(ttl)
                    .l2Ttl(ttl)
                    .ttlJitter(0)
                    .build();
            cache = TieredCache.<String, String>builder(settings, Codec.json(String.class))
                    .redis(client)
                    .build();
        }

        @Override
        public String get(String key, Callable<String> loader) {
            return cache.get(key, k -> loader.call());
        }

        @Override
        public void evict(String key) {
            cache.evict(key);
        }

        @Override
        public void close() {
            cache.close();
            client.shutdown();
        }
    }

    final class SpringRedis implements CacheSubject {
        private final LettuceConnectionFactory factory;
        private final Cache cache;
        private final boolean sync;

        SpringRedis(String cacheName, int redisPort, Duration ttl, boolean sync, boolean locking) {
            this.sync = sync;
            factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redisPort));
            factory.afterPropertiesSet();
            factory.start();
            RedisCacheManager manager = (locking
                            ? RedisCacheManager.builder(RedisCacheWriter.lockingRedisCacheWriter(factory))
                            : RedisCacheManager.builder(factory))
                    .cacheDefaults(RedisCacheConfiguration.defaultCacheConfig()
                            .entryTtl(ttl)
                            .serializeValuesWith(SerializationPair.fromSerializer(RedisSerializer.string())))
                    .build();
            manager.afterPropertiesSet();
            cache = manager.getCache(cacheName);
        }

        @Override
        public String get(String key, Callable<String> loader) throws Exception {
            if (sync) {
                return cache.get(key, loader);
            }
            Cache.ValueWrapper hit = cache.get(key); // what CacheAspectSupport does without sync: get, invoke, put
            if (hit != null) {
                return (String) hit.get();
            }
            String value = loader.call();
            cache.put(key, value);
            return value;
        }

        @Override
        public void evict(String key) {
            cache.evict(key);
        }

        @Override
        public void close() {
            factory.destroy();
        }
    }

    final class CaffeineOnly implements CacheSubject {
        private final com.github.benmanes.caffeine.cache.LoadingCache<String, String> cache;
        private volatile Callable<String> loader = () -> {
            throw new IllegalStateException("no loader yet");
        };

        CaffeineOnly(Duration ttl, boolean refresh) {
            Caffeine<Object, Object> builder =
                    Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(ttl);
            if (refresh) {
                builder.refreshAfterWrite(ttl.multipliedBy(4).dividedBy(5));
            }
            cache = builder.build(key -> loader.call()); // the loader of the latest caller: all callers pass the same
        }

        @Override
        public String get(String key, Callable<String> loader) {
            this.loader = loader;
            return cache.get(key);
        }

        @Override
        public void evict(String key) {
            cache.invalidate(key);
        }

        @Override
        public void close() {}
    }
}
