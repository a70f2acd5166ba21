package dev.ballast.bench.cluster;

import dev.ballast.cache.CacheLoader;
import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.codec.TypedJsonJackson3Codec;

/**
 * L2 hit on a Redis Cluster (issue 19, point 4), 1 thread, sample time. The same 48 entries for every subject, spread
 * evenly over the three shards (6 caches, 2 per primary, 8 keys each; Ballast's cache name is the hash tag of its
 * keys, and each peer key carries the same tag, so it lives in the same slot), read round-robin:
 *
 * <ul>
 *   <li>{@code ballast}: {@code TieredCache.get} on a {@code RedisClusterClient} with an L1 that holds nothing (L1 TTL of
 *       1 ns: every read is a Redis GET, envelope check, JSON decode and L1 fill). The tear-down fails the run if any
 *       read was an L1 hit or went to the loader.
 *   <li>{@code redisson}: {@code RBucket.get} of the same JSON value with Redisson's Jackson 3 codec typed to the value
 *       class (the same JSON library and decode as Ballast's {@code Codec.json}), cluster mode, reads from primaries.
 *   <li>{@code lettuce}: the floor: a raw cluster GET of Ballast's entry bytes, no decode.
 * </ul>
 *
 * <p>The cluster is started by {@link ClusterSuite}, which passes its nodes as {@code seeds}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class ClusterL2HitBenchmark {

    static final String VALUE = "{\"symbol\":\"005930\",\"price\":\"71200.00\",\"asOf\":\"2026-11-25T09:00:00Z\"}";
    private static final int CACHES_PER_PRIMARY = 2;
    private static final int KEYS_PER_CACHE = 8;

    @Param({"lettuce", "ballast", "redisson"})
    public String subject;

    @Param("")
    public String seeds;

    private RedisClusterClient client;
    private RedissonClient redisson;
    private StatefulRedisClusterConnection<String, byte[]> raw;
    private RedisAdvancedClusterCommands<String, byte[]> commands;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<TieredCache<String, String>> caches = new ArrayList<>();
    private final List<String> keys = new ArrayList<>();
    private TieredCache<String, String>[] cachePerRead;
    private String[] keyPerRead;
    private String[] rawKeyPerRead;
    private RBucket<String>[] bucketPerRead;
    private int next;
    private long reads;
    private final CacheLoader<String, String> loader = k -> VALUE;
    private final CacheLoader<String, String> failingLoader = k -> {
        throw new IllegalStateException("the benchmark read missed L2: " + k);
    };

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        client = ClusterClients.lettuce(seeds);
        List<String> names = ClusterClients.spread(client, CACHES_PER_PRIMARY, i -> "quotes-" + i);
        for (int k = 0; k < KEYS_PER_CACHE; k++) {
            keys.add("00" + (5930 + k));
        }
        int n = names.size() * keys.size();
        cachePerRead = newCaches(n);
        keyPerRead = new String[n];
        rawKeyPerRead = new String[n];
        bucketPerRead = newBuckets(n);
        if (subject.equals("redisson")) {
            redisson = ClusterClients.redisson(seeds);
        }
        raw = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        commands = raw.sync();
        TypedJsonJackson3Codec json = new TypedJsonJackson3Codec(String.class);
        int i = 0;
        for (String name : names) {
            TieredCache<String, String> cache = TieredCache.<String, String>builder(
                            CacheSettings.builder(name)
                                    .l1Ttl(Duration.ofNanos(1))
                                    .l2Ttl(Duration.ofMinutes(10))
                                    .earlyRefreshBeta(0)
                                    .build(),
                            Codec.json(String.class))
                    .redis(client)
                    .meterRegistry(registry)
                    .build();
            caches.add(cache);
            for (String key : keys) {
                cache.get(key, loader); // written to L2 through Ballast
                String rawKey = "ballast:cache:{" + name + "}:v1:" + key;
                if (commands.get(rawKey) == null) {
                    throw new IllegalStateException("the entry " + rawKey + " is not in Redis");
                }
                cachePerRead[i] = cache;
                keyPerRead[i] = key;
                rawKeyPerRead[i] = rawKey;
                if (redisson != null) {
                    RBucket<String> bucket = redisson.getBucket("redisson:{" + name + "}:" + key, json);
                    bucket.set(VALUE, Duration.ofMinutes(10));
                    if (!VALUE.equals(bucket.get())) {
                        throw new IllegalStateException("Redisson did not read back its entry");
                    }
                    bucketPerRead[i] = bucket;
                }
                i++;
            }
        }
        // interleave the shards: read i goes to cache i mod 6, so consecutive reads hit different primaries
        int[] order = new int[n];
        for (int r = 0; r < n; r++) {
            order[r] = (r % names.size()) * keys.size() + r / names.size();
        }
        cachePerRead = permute(cachePerRead, order);
        keyPerRead = permute(keyPerRead, order);
        rawKeyPerRead = permute(rawKeyPerRead, order);
        bucketPerRead = permute(bucketPerRead, order);
    }

    private static <T> T[] permute(T[] values, int[] order) {
        T[] permuted = values.clone();
        for (int r = 0; r < order.length; r++) {
            permuted[r] = values[order[r]];
        }
        return permuted;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (subject.equals("ballast")) {
                double l1Hits = count("l1", "hit");
                double l2Hits = count("l2", "hit");
                System.out.printf("ballast reads: %d, L2 hits %.0f, L1 hits %.0f%n", reads, l2Hits, l1Hits);
                if (l1Hits > 0.001 * reads) {
                    throw new IllegalStateException("L1 served " + l1Hits + " of " + reads + " reads: not an L2 hit");
                }
            }
        } finally {
            raw.close();
            caches.forEach(TieredCache::close);
            if (redisson != null) {
                redisson.shutdown();
            }
            client.shutdown();
        }
    }

    private double count(String tier, String result) {
        return registry.find("ballast.cache.gets").tag("tier", tier).tag("result", result).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    @Benchmark
    public Object hit() {
        int i = next;
        next = i + 1 == keyPerRead.length ? 0 : i + 1;
        return switch (subject) {
            case "ballast" -> {
                reads++;
                yield cachePerRead[i].get(keyPerRead[i], failingLoader);
            }
            case "redisson" -> bucketPerRead[i].get();
            default -> commands.get(rawKeyPerRead[i]);
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array: created raw, used typed
    private static TieredCache<String, String>[] newCaches(int n) {
        return new TieredCache[n];
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array: created raw, used typed
    private static RBucket<String>[] newBuckets(int n) {
        return new RBucket[n];
    }
}
