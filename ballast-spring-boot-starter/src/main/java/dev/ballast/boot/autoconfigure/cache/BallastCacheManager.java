package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A {@link CacheManager} of {@link TieredCache}s, created on first use from {@code ballast.cache.caches.<name>}. A cache
 * gets the Redis L2 when a Lettuce client ({@link RedisClient}, standalone or Sentinel, or {@link RedisClusterClient})
 * is available and its value type is known: {@code value-type} when set, else the type {@link CacheValueTypes} inferred
 * at start-up from the {@code @Cacheable}/{@code @CachePut} methods using the cache. Values are JSON bound to that type,
 * so a decoded value is always of it. Thread-safe.
 */
final class BallastCacheManager implements CacheManager, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(BallastCacheManager.class);
    private final Map<String, BallastCacheProperties.Spec> specs;
    private final BallastCacheProperties.@Nullable Spec defaults;
    private final @Nullable AbstractRedisClient redis;
    private final AlertSink alerts;
    private final MeterRegistry registry;
    private final ConcurrentMap<String, TieredSpringCache> caches = new ConcurrentHashMap<>();
    /**
     * One lock per cache name, held while that cache is made on first use, which connects to Redis: callers of one
     * name wait for its one creation, callers of other names do not (a connect waits up to Lettuce's connect timeout
     * for a Redis host that does not answer, so one lock for all names made every cache's first use wait for the ones
     * before it). Locks a waiting thread parks on, not the map's own ({@code computeIfAbsent} holds a bin's monitor,
     * and on Java 21 a virtual thread blocked on a monitor, or connecting inside one, keeps its carrier for as long as
     * the connect takes); the map's monitor is held only to make the lock object.
     */
    private final ConcurrentMap<String, ReentrantLock> creating = new ConcurrentHashMap<>();

    /** Creations hold it shared; {@link #useInferredTypes} holds it alone, so no cache is made while the types change. */
    private final ReentrantReadWriteLock typesChanging = new ReentrantReadWriteLock();

    private volatile @Nullable Consumer<Cache> onCreated;
    /** Value types inferred from the application's cache annotations; null until {@link #useInferredTypes} ran. */
    private volatile @Nullable Map<String, Class<?>> inferred;

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
        settings("defaults", BallastCacheProperties.Spec.DEFAULTS, defaults); // bad settings fail at start-up
        specs.forEach((name, spec) -> caches.put(name, create(name, spec)));
    }

    @Override
    public Cache getCache(String name) {
        TieredSpringCache found = caches.get(name);
        if (found != null) {
            return found;
        }
        TieredSpringCache cache;
        ReentrantLock own = creating.computeIfAbsent(name, ignored -> new ReentrantLock());
        typesChanging.readLock().lock();
        try {
            own.lock();
            try {
                found = caches.get(name);
                if (found != null) {
                    return found; // made by the caller that held the lock before this one
                }
                cache = create(name, specs.getOrDefault(name, BallastCacheProperties.Spec.DEFAULTS));
                caches.put(name, cache);
            } finally {
                own.unlock();
            }
        } finally {
            typesChanging.readLock().unlock();
        }
        Consumer<Cache> listener = onCreated;
        if (listener != null) {
            listener.accept(cache);
        }
        return cache;
    }

    /**
     * Calls {@code listener} for every cache made so far and for each one made later (on first use): Spring Boot binds
     * its standard cache meters only to the caches a manager has when the registrar starts, and most Ballast caches are
     * made later, when a {@code @Cacheable} method first runs.
     */
    void onCacheCreated(Consumer<Cache> listener) {
        this.onCreated = listener;
        caches.values().forEach(listener);
    }

    @Override
    public Collection<String> getCacheNames() {
        return List.copyOf(caches.keySet());
    }

    /**
     * The properties set for each cache listed in {@code ballast.cache.caches}, as written: {@code prices} with {@code
     * ballast.cache.caches.prices.l1-ttl}.
     */
    Map<String, List<String>> configuredProperties() {
        Map<String, List<String>> properties = new java.util.TreeMap<>();
        specs.forEach((name, spec) -> properties.put(
                name,
                spec.keys().stream()
                        .map(key -> "ballast.cache.caches." + name + "." + key)
                        .toList()));
        return properties;
    }

    /** Whether the L2 is possible at all (a Redis client is configured), so value types matter. */
    boolean hasRedis() {
        return redis != null;
    }

    /** The {@code value-type} configured for {@code name} (its own, else {@code ballast.cache.defaults}), or null. */
    @Nullable
    Class<?> configuredValueType(String name) {
        return specs.getOrDefault(name, BallastCacheProperties.Spec.DEFAULTS)
                .over(defaults)
                .valueType();
    }

    /**
     * The value types inferred at start-up for caches without {@code value-type}: caches created before (listed in
     * {@code ballast.cache.caches}, or used during start-up) get their Redis L2 now; caches created later get it when
     * created. A cache still without a type stays L1-only, with a WARN.
     */
    void useInferredTypes(Map<String, Class<?>> types) {
        typesChanging.writeLock().lock(); // a cache made meanwhile is either replaced here or made with the types
        try {
            this.inferred = Map.copyOf(types);
            caches.forEach((name, cache) -> {
                BallastCacheProperties.Spec own = specs.getOrDefault(name, BallastCacheProperties.Spec.DEFAULTS);
                if (redis != null && own.over(defaults).valueType() == null && types.containsKey(name)) {
                    cache.replace(build(name, own));
                } else {
                    warnIfL1Only(name, own);
                }
            });
        } finally {
            typesChanging.writeLock().unlock();
        }
    }

    /** Stops every cache's background work and closes its Redis connections. */
    @Override
    public void destroy() {
        caches.values().forEach(cache -> ((TieredCache<?, ?>) cache.getNativeCache()).close());
    }

    /**
     * The configured values over {@link CacheSettings}' defaults, which stay the only defaults. A cache's own setting
     * wins over {@code ballast.cache.defaults}; an invalid value fails naming the property it came from.
     */
    private static CacheSettings settings(
            String name, BallastCacheProperties.Spec own, BallastCacheProperties.@Nullable Spec shared) {
        CacheSettings.Builder builder = CacheSettings.builder(name);
        Settings settings = new Settings(name, own, shared);
        settings.apply("version", BallastCacheProperties.Spec::version, builder::version);
        settings.apply("l1-maximum-size", BallastCacheProperties.Spec::l1MaximumSize, builder::l1MaximumSize);
        settings.apply("l1-ttl", BallastCacheProperties.Spec::l1Ttl, builder::l1Ttl);
        settings.apply("l2-ttl", BallastCacheProperties.Spec::l2Ttl, builder::l2Ttl);
        settings.apply("negative-ttl", BallastCacheProperties.Spec::negativeTtl, builder::negativeTtl);
        settings.apply("max-value-bytes", BallastCacheProperties.Spec::maxValueBytes, builder::maxValueBytes);
        settings.apply("ttl-jitter", BallastCacheProperties.Spec::ttlJitter, builder::ttlJitter);
        CacheSettings.@Nullable WaitTimeoutPolicy onTimeout = own.over(shared).onLoadWaitTimeout();
        CacheSettings defaults = CacheSettings.builder(name).build();
        CacheSettings.WaitTimeoutPolicy policy = onTimeout != null ? onTimeout : defaults.onLoadWaitTimeout();
        // the wait and its policy are set together: a policy alone keeps the default wait
        settings.apply(
                "load-wait",
                BallastCacheProperties.Spec::loadWait,
                wait -> builder.loadWait(wait, policy),
                onTimeout != null ? defaults.loadWait() : null);
        settings.apply("stale-ttl", BallastCacheProperties.Spec::staleTtl, builder::staleTtl);
        settings.apply("load-lease", BallastCacheProperties.Spec::loadLease, builder::loadLease);
        settings.apply("early-refresh-beta", BallastCacheProperties.Spec::earlyRefreshBeta, builder::earlyRefreshBeta);
        settings.apply("l2-timeout", BallastCacheProperties.Spec::l2Timeout, builder::l2Timeout);
        return builder.build();
    }

    /** Where each setting of one cache comes from: its own entry, else {@code ballast.cache.defaults}. */
    private record Settings(
            String name, BallastCacheProperties.Spec own, BallastCacheProperties.@Nullable Spec shared) {

        <T> void apply(String key, Function<BallastCacheProperties.Spec, @Nullable T> get, Consumer<T> setter) {
            apply(key, get, setter, null);
        }

        <T> void apply(
                String key,
                Function<BallastCacheProperties.Spec, @Nullable T> get,
                Consumer<T> setter,
                @Nullable T fallback) {
            T value = get.apply(own);
            String property = "ballast.cache.caches." + name + "." + key;
            if (value == null && shared != null) {
                value = get.apply(shared);
                property = "ballast.cache.defaults." + key;
            }
            if (value == null) {
                value = fallback;
            }
            if (value != null) {
                InvalidBallastPropertyException.apply(property, value, setter);
            }
        }
    }

    private TieredSpringCache create(String name, BallastCacheProperties.Spec own) {
        if (inferred != null) {
            warnIfL1Only(name, own);
        }
        return new TieredSpringCache(name, build(name, own));
    }

    private void warnIfL1Only(String name, BallastCacheProperties.Spec own) {
        if (redis != null && valueType(name, own) == null) {
            log.warn(
                    "Cache '{}' stays L1-only: no @Cacheable or @CachePut method of a bean uses it to tell its value"
                            + " type, and ballast.cache.caches.{}.value-type is not set",
                    name,
                    name);
        }
    }

    /** The configured value type, else the inferred one, else null. */
    private @Nullable Class<?> valueType(String name, BallastCacheProperties.Spec own) {
        Class<?> configured = own.over(defaults).valueType();
        Map<String, Class<?>> types = inferred;
        return configured != null ? configured : types != null ? types.get(name) : null;
    }

    @SuppressWarnings("unchecked")
    private TieredCache<Object, Object> build(String name, BallastCacheProperties.Spec own) {
        CacheSettings settings = settings(name, own, defaults);
        Class<?> type = valueType(name, own);
        Class<Object> valueType = (Class<Object>) (type != null ? type : Object.class);
        Codec<Object> codec = Codec.json(valueType);
        TieredCache.Builder<Object, Object> cache =
                TieredCache.builder(settings, codec).alerts(alerts).meterRegistry(registry);
        if (redis instanceof RedisClusterClient cluster && type != null) {
            cache.redis(cluster);
        } else if (redis instanceof RedisClient standalone && type != null) {
            cache.redis(standalone);
        }
        return cache.build();
    }
}
