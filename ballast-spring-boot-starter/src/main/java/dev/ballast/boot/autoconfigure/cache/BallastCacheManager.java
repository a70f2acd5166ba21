package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import dev.ballast.core.alert.AlertSink;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A {@link CacheManager} of {@link TieredCache}s, created on first use from {@code ballast.cache.caches.<name>}. A cache
 * gets the Redis L2 only when a Lettuce client ({@link RedisClient}, standalone or Sentinel, or {@link
 * RedisClusterClient}) is available and its {@code value-type} is set: values are JSON
 * bound to that type, so a decoded value is always of the declared type. Thread-safe.
 */
final class BallastCacheManager implements CacheManager, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(BallastCacheManager.class);
    private final Map<String, BallastCacheProperties.Spec> specs;
    private final BallastCacheProperties.@Nullable Spec defaults;
    private final @Nullable AbstractRedisClient redis;
    private final AlertSink alerts;
    private final MeterRegistry registry;
    private final ConcurrentMap<String, TieredSpringCache> caches = new ConcurrentHashMap<>();

    BallastCacheManager(
            BallastCacheProperties properties,
            @Nullable AbstractRedisClient redis,
            AlertSink alerts,
            MeterRegistry registry) {
        this.specs = Map.copyOf(properties.caches());
        this.defaults = properties.defaults();
        this.redis = redis;
        this.alerts = alerts;
        this.registry = registry;
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

    /** Stops every cache's background work and closes its Redis connections. */
    @Override
    public void destroy() {
        caches.values().forEach(cache -> ((TieredCache<?, ?>) cache.getNativeCache()).close());
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
        if (spec.ttlJitter() != null) {
            builder.ttlJitter(spec.ttlJitter());
        }
        if (spec.loadWait() != null || spec.onLoadWaitTimeout() != null) {
            CacheSettings defaults = CacheSettings.builder(name).build();
            builder.loadWait(
                    spec.loadWait() != null ? spec.loadWait() : defaults.loadWait(),
                    spec.onLoadWaitTimeout() != null ? spec.onLoadWaitTimeout() : defaults.onLoadWaitTimeout());
        }
        if (spec.staleTtl() != null) {
            builder.staleTtl(spec.staleTtl());
        }
        if (spec.loadLease() != null) {
            builder.loadLease(spec.loadLease());
        }
        if (spec.earlyRefreshBeta() != null) {
            builder.earlyRefreshBeta(spec.earlyRefreshBeta());
        }
        if (spec.l2Timeout() != null) {
            builder.l2Timeout(spec.l2Timeout());
        }
        return builder.build();
    }

    @SuppressWarnings("unchecked")
    private TieredSpringCache create(String name, BallastCacheProperties.Spec own) {
        BallastCacheProperties.Spec spec = own.over(defaults);
        CacheSettings settings;
        try {
            settings = settings(name, spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ballast.cache.caches." + name + ": " + e.getMessage(), e);
        }
        Class<?> type = spec.valueType();
        Class<Object> valueType = (Class<Object>) (type != null ? type : Object.class);
        Codec<Object> codec = Codec.json(valueType);
        TieredCache.Builder<Object, Object> cache =
                TieredCache.builder(settings, codec).alerts(alerts).meterRegistry(registry);
        if (redis instanceof RedisClusterClient cluster && type != null) {
            cache.redis(cluster);
        } else if (redis instanceof RedisClient standalone && type != null) {
            cache.redis(standalone);
        } else if (redis != null) {
            log.warn("Cache '{}' has no ballast.cache.caches.{}.value-type, so it stays L1-only", name, name);
        }
        return new TieredSpringCache(name, cache.build());
    }
}
