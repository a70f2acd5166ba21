package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.cache.TieredCache;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.Cache;
import org.springframework.cache.support.SimpleValueWrapper;

/**
 * A Spring {@link Cache} over a {@link TieredCache}, with Spring's contract and {@code allowNullValues = false}
 * semantics that never throw:
 *
 * <ul>
 *   <li>{@code get(key, loader)} (used by {@code @Cacheable(sync = true)}) is single-flight in the JVM and across
 *       instances; any exception of the loader reaches the caller as {@link ValueRetrievalException} with it as the
 *       cause (every caller that waited for that load gets it).
 *   <li>Null is never stored: {@code put(key, null)} evicts the key, so a later {@code get(key)} is a miss ({@code
 *       null}, never a wrapper of null). A loader that returns null is remembered as "no value" for the cache's negative
 *       TTL: {@code get(key, loader)} then returns null without loading, while {@code get(key)} reads it as a miss.
 *   <li>{@code putIfAbsent} is atomic in this JVM (it goes through the single-flight); {@code evict}, {@code
 *       evictIfPresent}, {@code clear} and {@code invalidate} take effect before they return (L2 and this L1; other
 *       instances' L1 as soon as the invalidation message arrives).
 *   <li>{@code retrieve} is not supported (the inherited default throws {@link UnsupportedOperationException}), so
 *       {@code @Cacheable} methods returning {@code CompletableFuture} or reactive types need another cache.
 * </ul>
 *
 * Thread-safe.
 */
final class TieredSpringCache implements Cache {

    private final String name;
    /** Replaced once, at start-up, when the cache's value type is inferred and it gains its Redis L2. */
    private volatile TieredCache<Object, Object> cache;
    /** Spring-level statistics for Boot's cache metrics ({@code cache.gets}, {@code cache.puts}, ...). */
    final LongAdder hits = new LongAdder();

    final LongAdder misses = new LongAdder();
    final LongAdder puts = new LongAdder();
    final LongAdder evictions = new LongAdder();

    TieredSpringCache(String name, TieredCache<Object, Object> cache) {
        this.name = name;
        this.cache = cache;
    }

    /**
     * Puts {@code replacement} (the same settings, now with its Redis L2) in place of the current TieredCache and closes
     * that one; its L1 entries are dropped. Called at start-up only, once the value type is known.
     */
    void replace(TieredCache<Object, Object> replacement) {
        TieredCache<Object, Object> old = cache;
        cache = replacement;
        old.close();
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
        (value.isPresent() ? hits : misses).increment();
        return value.map(SimpleValueWrapper::new).orElse(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
        Object value = cache.getIfPresent(key).orElse(null);
        (value != null ? hits : misses).increment();
        if (value != null && type != null && !type.isInstance(value)) {
            throw new IllegalStateException("Cached value of cache '" + name + "' is a "
                    + value.getClass().getName() + ", not a " + type.getName());
        }
        return (T) value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
        AtomicBoolean loaded = new AtomicBoolean();
        try {
            return (T) cache.get(key, k -> load(key, valueLoader, loaded));
        } finally {
            (loaded.get() ? misses : hits).increment();
        }
    }

    private static @Nullable Object load(Object key, Callable<?> valueLoader, AtomicBoolean loaded) {
        loaded.set(true);
        try {
            return valueLoader.call();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ValueRetrievalException(key, valueLoader, e);
        }
    }

    @Override
    public void put(Object key, @Nullable Object value) {
        if (value == null) {
            cache.evict(key);
            evictions.increment();
        } else {
            cache.put(key, value);
            puts.increment();
        }
    }

    /**
     * Stores {@code value} unless the key has one; the existing value's wrapper, or null if it was stored. Through the
     * single-flight, so two callers of one key in this JVM cannot both store. A null {@code value} stores nothing.
     */
    @Override
    public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
        if (value == null) {
            return get(key);
        }
        AtomicBoolean stored = new AtomicBoolean();
        Object current = cache.get(key, k -> {
            stored.set(true);
            return value;
        });
        if (stored.get()) {
            puts.increment();
            return null;
        }
        if (current == null) { // a remembered "no value" reads as a miss: store over it
            cache.put(key, value);
            puts.increment();
            return null;
        }
        return new SimpleValueWrapper(current);
    }

    @Override
    public void evict(Object key) {
        cache.evict(key);
        evictions.increment();
    }

    /** Evicts at once; true if this instance saw a value for the key just before. */
    @Override
    public boolean evictIfPresent(Object key) {
        boolean present = cache.getIfPresent(key).isPresent();
        cache.evict(key);
        evictions.increment();
        return present;
    }

    @Override
    public void clear() {
        cache.clear();
        evictions.increment();
    }

    /** Clears at once (as {@link #clear()}); false: whether there were entries is not known. */
    @Override
    public boolean invalidate() {
        cache.clear();
        evictions.increment();
        return false;
    }
}
