package dev.ballast.bench.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ballast.cache.CacheLoader;
import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * L1 hit throughput (issue 3, point 14): a read of one of 1,024 cached keys through Ballast's {@code TieredCache.get}
 * (L1 hit: key check skipped, XFetch far from due), raw Caffeine's {@code get(key, mappingFunction)} with the same size
 * bound and a write expiry, and a {@code ConcurrentHashMap.get} as the floor. 2 threads (the machine's cores).
 *
 * <p>Two subjects take Ballast's hit apart (issue 18, goal 8): {@code caffeine-coarse-ticker} is raw Caffeine whose
 * ticker is a field a daemon thread refreshes every millisecond, as Ballast's L1 reads the cache's coarse clock, instead
 * of {@code System.nanoTime()}; {@code caffeine-wrapped} is raw Caffeine holding a per-key wrapper with an expiry and a
 * refresh-from time that each hit compares with a clock field, as Ballast's {@code Slot}.
 *
 * <p>Run: {@code java -jar ballast-benchmarks/target/benchmarks.jar L1HitBenchmark -rf json -rff l1.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(2)
public class L1HitBenchmark {

    private static final int KEYS = 1024;

    @Param({"map", "caffeine", "ballast", "caffeine-wrapped", "caffeine-coarse-ticker"})
    public String subject;

    private final String[] keys = new String[KEYS];
    private Function<String, String> read;
    private TieredCache<String, String> ballast;

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "00" + (5930 + i);
        }
        switch (subject) {
            case "map" -> {
                ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();
                read = key -> map.computeIfAbsent(key, k -> "71200.00");
            }
            case "caffeine" -> {
                Cache<String, String> cache = Caffeine.newBuilder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofMinutes(10))
                        .build();
                Function<String, String> load = k -> "71200.00";
                read = key -> cache.get(key, load);
            }
            case "ballast" -> {
                ballast = TieredCache.local(
                        CacheSettings.builder("l1-bench")
                                .l1MaximumSize(10_000)
                                .l1Ttl(Duration.ofMinutes(10))
                                .build(),
                        Codec.json(String.class),
                        key -> key);
                CacheLoader<String, String> load = k -> "71200.00";
                read = key -> ballast.get(key, load);
            }
            case "caffeine-wrapped" -> {
                Cache<String, Holder> cache = Caffeine.newBuilder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofMinutes(10))
                        .build();
                Function<String, Holder> load = k -> new Holder("71200.00", Long.MAX_VALUE - 1, Long.MAX_VALUE);
                read = key -> {
                    Holder h = cache.get(key, load);
                    long now = millis;
                    if (h.expiresAt <= now || now >= h.checkFrom) {
                        throw new IllegalStateException();
                    }
                    return h.value;
                };
            }
            case "caffeine-coarse-ticker" -> {
                // the same kind of ticker as Ballast's L1: a field a daemon thread refreshes every millisecond
                Thread.ofPlatform().daemon().start(() -> {
                    while (true) {
                        LockSupport.parkNanos(1_000_000);
                        nanos = System.nanoTime();
                    }
                });
                Cache<String, String> cache = Caffeine.newBuilder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofMinutes(10))
                        .ticker(() -> nanos)
                        .build();
                Function<String, String> load = k -> "71200.00";
                read = key -> cache.get(key, load);
            }
            default -> throw new IllegalArgumentException(subject);
        }
        for (String key : keys) {
            var unused = read.apply(key); // warms L1
        }
    }

    private static volatile long millis = System.currentTimeMillis();
    private static volatile long nanos = System.nanoTime();

    record Holder(String value, long expiresAt, long checkFrom) {}

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ballast != null) {
            ballast.close();
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int next() {
            next = (next + 1) & (KEYS - 1);
            return next;
        }
    }

    @Benchmark
    public String hit(Cursor cursor) {
        return read.apply(keys[cursor.next()]);
    }
}
