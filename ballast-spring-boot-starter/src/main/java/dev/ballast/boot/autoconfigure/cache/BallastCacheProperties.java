package dev.ballast.boot.autoconfigure.cache;

import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Ballast {@code CacheManager}, under {@code ballast.cache}.
 *
 * @param caches per-cache settings by cache name; caches used by {@code @Cacheable} but not listed get the defaults
 */
@ConfigurationProperties("ballast.cache")
public record BallastCacheProperties(@DefaultValue Map<String, Spec> caches) {

    /**
     * One cache. Every setting left unset takes the {@link dev.ballast.cache.CacheSettings} default (version 1, 10,000
     * L1 entries, L1 TTL 1 min, L2 TTL 10 min, negative TTL 30 s, 512 KiB), which is defined there only.
     *
     * @param valueType class of the cached values; required for the Redis L2 (values are JSON bound to it), without
     *     it the cache stays L1-only
     * @param version key-namespace version; bump it when the value's shape changes
     * @param l1MaximumSize most entries in L1
     * @param l1Ttl L1 time to live
     * @param l2Ttl L2 time to live, before jitter
     * @param negativeTtl how long a null result is remembered (0: never)
     * @param maxValueBytes largest encoded value stored
     */
    public record Spec(
            @Nullable Class<?> valueType,
            @Nullable Integer version,
            @Nullable Long l1MaximumSize,
            @Nullable Duration l1Ttl,
            @Nullable Duration l2Ttl,
            @Nullable Duration negativeTtl,
            @Nullable Integer maxValueBytes) {

        /** A cache that nobody configured: every default. */
        static final Spec DEFAULTS = new Spec(null, null, null, null, null, null, null);
    }
}
