package dev.ballast.cache;

import io.lettuce.core.RedisClient;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A two-tier cache: L1 in this JVM (Caffeine), L2 shared in Redis, then the loader. Reads go L1 → L2 → loader; an L2 hit
 * fills L1; a load writes L2, then L1. Concurrent misses of one key in this JVM run the loader once and share its result
 * or exception. When Redis is unreachable, callers get L1 and the loader, never an exception from L2. Thread-safe.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface TieredCache<K, V> {

    /** The value of {@code key}, loading it on a miss; null if the loader said there is none. */
    @Nullable
    V get(K key, CacheLoader<? super K, ? extends V> loader);

    /** The cached value of {@code key}, without loading; empty on a miss or a cached "no value". */
    Optional<V> getIfPresent(K key);

    /**
     * Stores {@code value} in L2 and L1.
     *
     * @throws CacheException if the encoded value is larger than {@link CacheSettings#maxValueBytes()}; nothing is
     *     written then
     */
    void put(K key, V value);

    /** Removes {@code key} from L2 and L1. */
    void evict(K key);

    /** Removes every entry of this cache (this version) from L2 and L1. */
    void clear();

    /** The settings. */
    CacheSettings settings();

    /** A cache with L1 only (no Redis): the embedded default. */
    static <K, V> TieredCache<K, V> local(CacheSettings settings, Codec<V> codec, Function<? super K, String> keys) {
        return new DefaultTieredCache<>(settings, codec, keys, RedisTier.none());
    }

    /**
     * A cache with L1 and an L2 on {@code redis} (one connection, closed by {@link #close()}-less lifecycle: it lives as
     * long as the client).
     */
    static <K, V> TieredCache<K, V> tiered(
            CacheSettings settings, Codec<V> codec, Function<? super K, String> keys, RedisClient redis) {
        return new DefaultTieredCache<>(settings, codec, keys, RedisTier.connect(redis));
    }
}
