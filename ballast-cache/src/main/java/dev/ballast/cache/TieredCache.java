package dev.ballast.cache;

import dev.ballast.core.alert.AlertSink;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A two-tier cache: L1 in this JVM (Caffeine), L2 shared in Redis, then the loader. Thread-safe.
 *
 * <p>Build one per cached type and keep it for the application's life (the Spring starter builds them from
 * {@code ballast.cache.*}):
 *
 * {@snippet class="dev.ballast.cache.snippets.TieredCacheSnippets" region="build"}
 *
 * <p>Read through it; the loader runs only on a miss in both tiers, once per key however many callers miss at once:
 *
 * {@snippet class="dev.ballast.cache.snippets.TieredCacheSnippets" region="get"}
 *
 * <ul>
 *   <li>Reads go L1 → L2 → loader; an L2 hit fills L1; a load writes L2, then L1.
 *   <li>Single-flight: concurrent misses of one key in this JVM run the loader once and share its result or exception;
 *       across instances sharing a Redis, one instance at a time holds the key's load lease (renewed while loading,
 *       so it only runs out if that instance dies) and the others wait for its "released" signal, then read its
 *       value. A wait that runs out serves a stale value if L2 still has one, else follows
 *       {@link CacheSettings#onLoadWaitTimeout()}.
 *   <li>Early refresh (XFetch): as a value nears expiry, a reader refreshes it in the background, so steady traffic
 *       on a hot key does not see a miss.
 *   <li>Coherence: {@code put}, {@code evict} and {@code clear} remove the entry from every instance's L1. Lost
 *       invalidations are detected (numbered messages, a counter checked every second) and clear L1, as does a
 *       reconnect; so an L1 entry outlives a change by at most about two seconds when messages are lost, and never
 *       outlives its L1 TTL. A load that races with an invalidation does not write its (possibly old) value back.
 *   <li>Degraded mode: Redis failures never reach the caller: after a few failures a breaker stops calling Redis
 *       (WARNING alert), callers get L1 and the loader, and a probe closes the breaker when the cache's own
 *       connections (commands and pub/sub) work again (INFO alert; L1 cleared). A caller waiting for another
 *       instance's load stops waiting and loads locally as soon as signals cannot reach it.
 *   <li>Time: logical expiry, TTLs and early refresh follow the builder's {@link Builder#clock clock}; waits are real
 *       time.
 * </ul>
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface TieredCache<K, V> extends AutoCloseable {

    /** The value of {@code key}, loading it on a miss; null if the loader said there is none. */
    @Nullable
    V get(K key, CacheLoader<? super K, ? extends V> loader);

    /** The cached value of {@code key}, without loading; empty on a miss or a cached "no value". */
    Optional<V> getIfPresent(K key);

    /**
     * Stores {@code value} in L2 and L1 and removes the key from other instances' L1.
     *
     * @throws CacheException if the encoded value is larger than {@link CacheSettings#maxValueBytes()}; nothing is
     *     written then
     */
    void put(K key, V value);

    /** Removes {@code key} from L2, this L1 and other instances' L1. */
    void evict(K key);

    /** Removes every entry of this cache (this version) from L2, this L1 and other instances' L1. */
    void clear();

    /** The settings. */
    CacheSettings settings();

    /** How this instance sees the cache's Redis L2 now (for health checks); never blocks or calls Redis. */
    L2Status l2Status();

    /**
     * Operator control: opens this cache's Redis breaker on this instance and holds it open (Redis is not called,
     * probes included) until {@link #closeL2Breaker()}; callers are served from L1 and the loader, and a WARNING alert
     * names {@code actor}. No effect on a cache without Redis.
     */
    void openL2Breaker(String actor);

    /**
     * Operator control: ends a hold and, if the breaker is open, probes Redis at once (waiting at most the L2 timeout
     * plus one second) instead of at the next periodic probe; the breaker closes only if Redis answers.
     *
     * @return the status after the probe: {@link L2Status#UP} if Redis answered
     */
    L2Status closeL2Breaker();

    /** The state of a cache's Redis L2 as one instance sees it. */
    enum L2Status {
        /** No Redis configured: the cache is L1 only by design. */
        NONE,
        /** The breaker is closed and the command connection is connected. */
        UP,
        /** The breaker is closed but the command connection is not connected (Redis unreachable so far). */
        DISCONNECTED,
        /** Redis failed repeatedly: reads are served from L1 and the loader until a probe succeeds. */
        BREAKER_OPEN
    }

    /** Stops background work and closes this cache's Redis connections (not the {@link RedisClient}). */
    @Override
    void close();

    /** A cache with L1 only (no Redis): the embedded default. */
    static <K, V> TieredCache<K, V> local(CacheSettings settings, Codec<V> codec, Function<? super K, String> keys) {
        return TieredCache.<K, V>builder(settings, codec).keys(keys).build();
    }

    /** A cache with L1 and an L2 on {@code redis}; alerts go to the log, no metrics. */
    static <K, V> TieredCache<K, V> tiered(
            CacheSettings settings, Codec<V> codec, Function<? super K, String> keys, RedisClient redis) {
        return TieredCache.<K, V>builder(settings, codec)
                .keys(keys)
                .redis(redis)
                .build();
    }

    /** A builder for a cache with {@code settings} whose values {@code codec} encodes. */
    static <K, V> Builder<K, V> builder(CacheSettings settings, Codec<V> codec) {
        return new Builder<>(settings, codec);
    }

    /** Builds a {@link TieredCache}; not thread-safe. */
    final class Builder<K, V> {
        private final CacheSettings settings;
        private final Codec<V> codec;
        private Function<? super K, String> keys = String::valueOf;
        private @Nullable AbstractRedisClient redis;
        private AlertSink alerts = AlertSink.logging();
        private @Nullable MeterRegistry registry;
        private @Nullable InstantSource clock;
        private @Nullable Executor refreshExecutor;

        private Builder(CacheSettings settings, Codec<V> codec) {
            this.settings = Objects.requireNonNull(settings, "settings");
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        /** How a key becomes the text in L1 and Redis keys; {@code String.valueOf} unless set. */
        public Builder<K, V> keys(Function<? super K, String> keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /**
         * The Redis of L2; without it the cache is L1-only. A standalone server, or a primary found through Sentinels
         * ({@code RedisURI.Builder.sentinel(…).withSentinelMasterId(…)}). The client stays the caller's to shut down.
         */
        public Builder<K, V> redis(RedisClient redis) {
            this.redis = Objects.requireNonNull(redis, "redis");
            return this;
        }

        /**
         * A Redis Cluster as L2. All of one cache's keys share a hash slot (the cache name is their hash tag), so a
         * cache lives on one shard; spread load over shards with several caches. Enable adaptive topology refresh on
         * the client ({@code ClusterTopologyRefreshOptions.enableAllAdaptiveRefreshTriggers()}) so that it follows a
         * failover at once. The client stays the caller's to shut down.
         */
        public Builder<K, V> redis(RedisClusterClient cluster) {
            this.redis = Objects.requireNonNull(cluster, "cluster");
            return this;
        }

        /** Where breaker alerts go; the log unless set. */
        public Builder<K, V> alerts(AlertSink alerts) {
            this.alerts = Objects.requireNonNull(alerts, "alerts");
            return this;
        }

        /** Where the {@code ballast.cache.*} meters go; none unless set. */
        public Builder<K, V> meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * The clock of logical expiry, TTLs and early refresh (Caffeine's L1 expiry follows it too); the system clock,
         * read through a field refreshed every millisecond, unless set. Tests pass a clock they advance instead of
         * sleeping. How long a caller blocks (load waits, Redis timeouts) is always real time, and Redis keeps its own
         * TTLs.
         */
        public Builder<K, V> clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Where early refreshes run; a virtual thread per refresh unless set. For tests that run them in step (the test
         * kit's {@code TieredCacheContract} does); the executor must run every task it accepts, or the key it refreshes
         * is refreshed again only by a caller's miss.
         */
        public Builder<K, V> refreshExecutor(Executor executor) {
            this.refreshExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        public TieredCache<K, V> build() {
            return new DefaultTieredCache<>(settings, codec, keys, redis, alerts, registry, clock, refreshExecutor);
        }
    }
}
