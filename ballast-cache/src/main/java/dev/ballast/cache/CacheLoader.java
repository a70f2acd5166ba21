package dev.ballast.cache;

import org.jspecify.annotations.Nullable;

/**
 * Loads the value of a key on a miss; null means "no such value", which the cache remembers for its negative TTL.
 *
 * @param <K> key type
 * @param <V> value type
 */
@FunctionalInterface
public interface CacheLoader<K, V> {

    /** The value of {@code key}, or null if there is none. */
    @Nullable
    V load(K key) throws Exception;
}
