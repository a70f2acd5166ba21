package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.cache.CacheException;
import dev.ballast.cache.TieredCache;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.Cache;
import org.springframework.cache.support.SimpleValueWrapper;

/**
 * A Spring {@link Cache} over a {@link TieredCache}. {@code get(key, loader)} (used by {@code @Cacheable(sync =
 * true)}) is single-flight; {@code put(key, null)} evicts instead of storing null. Thread-safe.
 */
final class TieredSpringCache implements Cache {

    private final String name;
    private final TieredCache<Object, Object> cache;

    TieredSpringCache(String name, TieredCache<Object, Object> cache) {
        this.name = name;
        this.cache = cache;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Object getNativeCache() {
        return cache;
    }

    @Override
    public @Nullable ValueWrapper get(Object key) {
        Optional<Object> value = cache.getIfPresent(key);
        return value.map(SimpleValueWrapper::new).orElse(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
        Object value = cache.getIfPresent(key).orElse(null);
        if (value != null && type != null && !type.isInstance(value)) {
            throw new IllegalStateException("Cached value of cache '" + name + "' is a "
                    + value.getClass().getName() + ", not a " + type.getName());
        }
        return (T) value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
        try {
            return (T) cache.get(key, k -> valueLoader.call());
        } catch (CacheException e) {
            if (e.getCause() != null && !(e.getCause() instanceof RuntimeException)) {
                throw new ValueRetrievalException(key, valueLoader, e.getCause());
            }
            throw e;
        }
    }

    @Override
    public void put(Object key, @Nullable Object value) {
        if (value == null) {
            cache.evict(key);
        } else {
            cache.put(key, value);
        }
    }

    @Override
    public void evict(Object key) {
        cache.evict(key);
    }

    @Override
    public void clear() {
        cache.clear();
    }
}
