package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.RedisClient;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A {@link CacheManager} of {@link TieredCache}s, created on first use from {@code ballast.cache.caches.<name>}. A cache
 * gets the Redis L2 only when a {@link RedisClient} is available and its {@code value-type} is set: values are JSON
 * bound to that type, so a decoded value is always of the declared type. Thread-safe.
 */
final class BallastCacheManager implements CacheManager {

    private static final Logger log = LoggerFactory.getLogger(BallastCacheManager.class);
    private final Map<String, BallastCacheProperties.Spec> specs;
    private final @Nullable RedisClient redis;
    private final ConcurrentMap<String, Cache> caches = new ConcurrentHashMap<>();

    BallastCacheManager(BallastCacheProperties properties, @Nullable RedisClient redis) {
        this.specs = Map.copyOf(properties.caches());
        this.redis = redis;
        specs.forEach((name, spec) -> caches.put(name, create(name, spec))); // bad settings fail at start-up
    }

    @Override
    public Cache getCache(String name) {
        return caches.computeIfAbsent(
                name, n -> create(n, specs.getOrDefault(n, BallastCacheProperties.Spec.DEFAULTS)));
    }

    @Override
    public Collection<String> getCacheNames() {
        return List.copyOf(caches.keySet());
    }

    /** The configured values over {@link CacheSettings}' defaults, which stay the only defaults. */
    private static CacheSettings settings(String name, BallastCacheProperties.Spec spec) {
        CacheSettings.Builder builder = CacheSettings.builder(name);
        if (spec.version() != null) {
            builder.version(spec.version());
        }
        if (spec.l1MaximumSize() != null) {
            builder.l1MaximumSize(spec.l1MaximumSize());
        }
        if (spec.l1Ttl() != null) {
            builder.l1Ttl(spec.l1Ttl());
        }
        if (spec.l2Ttl() != null) {
            builder.l2Ttl(spec.l2Ttl());
        }
        if (spec.negativeTtl() != null) {
            builder.negativeTtl(spec.negativeTtl());
        }
        if (spec.maxValueBytes() != null) {
            builder.maxValueBytes(spec.maxValueBytes());
        }
        return builder.build();
    }

    @SuppressWarnings("unchecked")
    private Cache create(String name, BallastCacheProperties.Spec spec) {
        CacheSettings settings;
        try {
            settings = settings(name, spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ballast.cache.caches." + name + ": " + e.getMessage(), e);
        }
        Class<?> type = spec.valueType();
        Class<Object> valueType = (Class<Object>) (type != null ? type : Object.class);
        Codec<Object> codec = Codec.json(valueType);
        TieredCache<Object, Object> cache;
        if (redis != null && type != null) {
            cache = TieredCache.tiered(settings, codec, String::valueOf, redis);
        } else {
            if (redis != null) {
                log.warn("Cache '{}' has no ballast.cache.caches.{}.value-type, so it stays L1-only", name, name);
            }
            cache = TieredCache.local(settings, codec, String::valueOf);
        }
        return new TieredSpringCache(name, cache);
    }
}
