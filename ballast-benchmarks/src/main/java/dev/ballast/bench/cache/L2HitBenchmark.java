package dev.ballast.bench.cache;

import dev.ballast.cache.CacheLoader;
import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.UUID;
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

/**
 * L2 hit latency (issue 3, point 14): Ballast's {@code TieredCache.get} with an L1 that holds nothing (L1 TTL of 1 ns),
 * so every read is a Redis GET plus envelope check, JSON decode and L1 fill; against a raw Lettuce sync GET of the same
 * bytes on a connection of the same kind. Redis on loopback; 1 thread.
 *
 * <p>Run: {@code java -jar ballast-benchmarks/target/benchmarks.jar L2HitBenchmark -rf json -rff l2.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class L2HitBenchmark {

    private static final String VALUE =
            "{\"symbol\":\"005930\",\"price\":\"71200.00\",\"asOf\":\"2026-11-25T09:00:00Z\"}";

    @Param({"lettuce", "ballast"})
    public String subject;

    @Param("6379")
    public int redisPort;

    private RedisClient client;
    private TieredCache<String, String> ballast;
    private StatefulRedisConnection<String, byte[]> raw;
    private RedisCommands<String, byte[]> commands;
    private String rawKey;
    private final CacheLoader<String, String> loader = k -> VALUE;

    @Setup(Level.Trial)
    public void setUp() {
        client = RedisClient.create("redis://127.0.0.1:" + redisPort);
        String name = "l2-bench-" + UUID.randomUUID().toString().substring(0, 8);
        ballast = TieredCache.<String, String>builder(
                        CacheSettings.builder(name)
                                .l1Ttl(Duration.ofNanos(1))
                                .l2Ttl(Duration.ofMinutes(10))
                                .earlyRefreshBeta(0)
                                .build(),
                        Codec.json(String.class))
                .redis(client)
                .build();
        ballast.get("005930", loader); // written to L2
        raw = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        commands = raw.sync();
        rawKey = "ballast:cache:" + name + ":v1:005930";
        if (commands.get(rawKey) == null) {
            throw new IllegalStateException("the entry is not in Redis");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        raw.close();
        ballast.close();
        client.shutdown();
    }

    @Benchmark
    public Object hit() {
        return subject.equals("ballast") ? ballast.get("005930", loader) : commands.get(rawKey);
    }
}
