package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.cache.CacheSettings.WaitTimeoutPolicy;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Ballast {@code CacheManager}, under {@code ballast.cache}.
 *
 * @param enabled whether to configure the Ballast CacheManager at all
 * @param defaults settings shared by every cache; a cache's own setting wins
 * @param caches per-cache settings by cache name, with the same keys as ballast.cache.defaults (e.g.
 *     ballast.cache.caches.prices.l1-ttl); caches used by @Cacheable but not listed get the defaults; a listed name that
 *     no @Cacheable, @CachePut or @CacheEvict method uses is reported at start-up with a WARN, naming the nearest used
 *     name when it is close (only when some method uses a cache through these annotations: an application that gets
 *     its caches by name has nothing to compare with); a key that ballast.cache.defaults does not have is named in
 *     the unknown-setting WARN
 */
@ConfigurationProperties("ballast.cache")
public record BallastCacheProperties(
        @DefaultValue("true") boolean enabled,
        @Nullable Spec defaults,
        @DefaultValue Map<String, Spec> caches) {

    /**
     * One cache. Every setting left unset takes the {@link dev.ballast.cache.CacheSettings} default (version 1, 10,000
     * L1 entries, L1 TTL 1 min, L2 TTL 10 min, negative TTL 30 s, 512 KiB), which is defined there only.
     *
     * @param valueType class of the cached values, to which the Redis L2's JSON is bound; unset, it is inferred from the
     *     return types of the @Cacheable and @CachePut methods using the cache (start-up fails naming this property
     *     when they disagree or are not one concrete class); when set it always wins
     * @param version key-namespace version (at least 1); bump it when the value's shape changes
     * @param l1MaximumSize most entries in L1 (at least 1)
     * @param l1Ttl L1 time to live (positive)
     * @param l2Ttl L2 time to live, before jitter (positive)
     * @param negativeTtl how long a null result is remembered (zero or positive; 0: never)
     * @param maxValueBytes largest encoded value stored, in bytes (at least 16)
     * @param ttlJitter fraction (0 to 0.5) by which L2 TTLs are randomly shortened
     * @param loadWait how long a caller waits for another caller's (or instance's) load of the same key (positive)
     * @param onLoadWaitTimeout what a waiter does when its wait runs out and no stale value exists: LOAD_YOURSELF or
     *     FAIL
     * @param staleTtl how long an expired L2 value is kept to be served to waiters whose wait ran out (zero or
     *     positive)
     * @param loadLease how long an instance's claim to load a key lasts, renewed while it loads (at least 100ms)
     * @param earlyRefreshBeta XFetch beta for early refresh (0 to 100; 0 turns it off)
     * @param l2Timeout timeout of one Redis command (at least 10ms)
     */
    public record Spec(
            @Nullable Class<?> valueType,
            @Nullable Integer version,
            @Nullable Long l1MaximumSize,
            @Nullable Duration l1Ttl,
            @Nullable Duration l2Ttl,
            @Nullable Duration negativeTtl,
            @Nullable Integer maxValueBytes,
            @Nullable Double ttlJitter,
            @Nullable Duration loadWait,
            @Nullable WaitTimeoutPolicy onLoadWaitTimeout,
            @Nullable Duration staleTtl,
            @Nullable Duration loadLease,
            @Nullable Double earlyRefreshBeta,
            @Nullable Duration l2Timeout) {

        /** A cache that nobody configured: every default. */
        static final Spec DEFAULTS =
                new Spec(null, null, null, null, null, null, null, null, null, null, null, null, null, null);

        /** The keys set in this spec, as written in YAML ({@code l1-ttl}), in declaration order. */
        java.util.List<String> keys() {
            java.util.List<String> keys = new java.util.ArrayList<>();
            for (java.lang.reflect.RecordComponent component : Spec.class.getRecordComponents()) {
                try {
                    if (component.getAccessor().invoke(this) != null) {
                        keys.add(component
                                .getName()
                                .replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                                .toLowerCase(java.util.Locale.ROOT));
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return keys;
        }

        /** This spec, with each unset setting taken from {@code shared}. */
        Spec over(@Nullable Spec shared) {
            if (shared == null) {
                return this;
            }
            return new Spec(
                    valueType != null ? valueType : shared.valueType,
                    version != null ? version : shared.version,
                    l1MaximumSize != null ? l1MaximumSize : shared.l1MaximumSize,
                    l1Ttl != null ? l1Ttl : shared.l1Ttl,
                    l2Ttl != null ? l2Ttl : shared.l2Ttl,
                    negativeTtl != null ? negativeTtl : shared.negativeTtl,
                    maxValueBytes != null ? maxValueBytes : shared.maxValueBytes,
                    ttlJitter != null ? ttlJitter : shared.ttlJitter,
                    loadWait != null ? loadWait : shared.loadWait,
                    onLoadWaitTimeout != null ? onLoadWaitTimeout : shared.onLoadWaitTimeout,
                    staleTtl != null ? staleTtl : shared.staleTtl,
                    loadLease != null ? loadLease : shared.loadLease,
                    earlyRefreshBeta != null ? earlyRefreshBeta : shared.earlyRefreshBeta,
                    l2Timeout != null ? l2Timeout : shared.l2Timeout);
        }
    }
}
