package dev.ballast.bench.cache;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Cross-instance L1 invalidation delay (issue 3, point 14): instance A writes a new value of a key that instance B holds
 * in its L1; the delay is from A's write returning until B's read returns the new value (B polls every 20 µs). For
 * Ballast (invalidation message, then B's L1 miss reads L2) and, in the same run on the same Redis, Redisson's
 * {@code RLocalCachedMap} (INVALIDATE sync strategy), the only peer here with an invalidated near cache. Also prints
 * Ballast's own {@code ballast.cache.invalidation.delay} (publication to arrival) measured at B.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.cache.InvalidationDelayHarness
 * [rounds=2000] [redisPort=6379]}
 */
public final class InvalidationDelayHarness {

    private InvalidationDelayHarness() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 6379;
        System.out.printf(
                "Invalidation delay: %d rounds after 200 warm-up, Java %s, %d CPUs%n%n",
                rounds, Runtime.version(), Runtime.getRuntime().availableProcessors());
        System.out.println("| subject | p50 µs | p99 µs | max µs | p99 x ballast |");
        System.out.println("|---|---|---|---|---|");
        double[] ballast = ballast(rounds, port);
        print("ballast", ballast, ballast);
        print("redisson-local-cached-map", redisson(rounds, port), ballast);
    }

    /**
     * The sorted delays (µs) of one subject: {@code ballast} or {@code redisson-local-cached-map}; each call uses a
     * fresh cache name and fresh clients (for {@link CacheSuite}'s paired trials).
     */
    static double[] delays(String subject, int rounds, int port) throws Exception {
        return switch (subject) {
            case "ballast" -> ballast(rounds, port);
            case "redisson-local-cached-map" -> redisson(rounds, port);
            default -> throw new IllegalArgumentException("unknown invalidation subject " + subject);
        };
    }

    static double p(double[] sorted, double q) {
        return sorted[(int) Math.ceil(q * sorted.length) - 1];
    }

    private static double[] ballast(int rounds, int port) throws Exception {
        String name = "inval-" + UUID.randomUUID().toString().substring(0, 8);
        RedisClient clientA = RedisClient.create("redis://127.0.0.1:" + port);
        RedisClient clientB = RedisClient.create("redis://127.0.0.1:" + port);
        SimpleMeterRegistry registryB = new SimpleMeterRegistry();
        registryB.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return DistributionStatisticConfig.builder()
                        .percentiles(0.5, 0.99)
                        .build()
                        .merge(config);
            }
        });
        CacheSettings settings = CacheSettings.builder(name).build();
        try (TieredCache<String, String> a = TieredCache.<String, String>builder(settings, Codec.json(String.class))
                        .redis(clientA)
                        .build();
                TieredCache<String, String> b = TieredCache.<String, String>builder(settings, Codec.json(String.class))
                        .redis(clientB)
                        .meterRegistry(registryB)
                        .build()) {
            double[] delays = measure(rounds, a::put, key -> b.getIfPresent(key).orElse(null));
            Timer own = registryB.get("ballast.cache.invalidation.delay").timer();
            StringBuilder text = new StringBuilder();
            for (ValueAtPercentile p : own.takeSnapshot().percentileValues()) {
                text.append(String.format(
                        Locale.ROOT, " p%.0f %.0f µs", p.percentile() * 100, p.value(TimeUnit.MICROSECONDS)));
            }
            System.out.printf("(ballast's own invalidation.delay metric at B, %d messages:%s)%n", own.count(), text);
            return delays;
        } finally {
            clientA.shutdown();
            clientB.shutdown();
        }
    }

    private static double[] redisson(int rounds, int port) throws Exception {
        String name = "inval-" + UUID.randomUUID().toString().substring(0, 8);
        RedissonClient clientA = client(port);
        RedissonClient clientB = client(port);
        try {
            LocalCachedMapOptions<String, String> options =
                    LocalCachedMapOptions.<String, String>name(name).codec(StringCodec.INSTANCE);
            RLocalCachedMap<String, String> a = clientA.getLocalCachedMap(options);
            RLocalCachedMap<String, String> b = clientB.getLocalCachedMap(options);
            return measure(rounds, a::fastPut, b::get);
        } finally {
            clientA.shutdown();
            clientB.shutdown();
        }
    }

    private static RedissonClient client(int port) {
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:" + port);
        return Redisson.create(config);
    }

    /** Delays in µs, sorted. */
    private static double[] measure(int rounds, BiConsumer<String, String> write, Function<String, String> read) {
        double[] delays = new double[rounds];
        for (int i = -200; i < rounds; i++) {
            String value = "v" + i;
            write.accept("005930", "w" + i); // B reads and holds the previous value ...
            while (!Objects.equals(read.apply("005930"), "w" + i)) {
                LockSupport.parkNanos(20_000);
            }
            long start = System.nanoTime();
            write.accept("005930", value); // ... and must see this one
            while (!Objects.equals(read.apply("005930"), value)) {
                LockSupport.parkNanos(20_000);
            }
            if (i >= 0) {
                delays[i] = (System.nanoTime() - start) / 1000.0;
            }
        }
        Arrays.sort(delays);
        return delays;
    }

    private static void print(String subject, double[] sorted, double[] ballast) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.0f | %.0f | %.0f | %.2f |%n",
                subject,
                p(sorted, 0.5),
                p(sorted, 0.99),
                sorted[sorted.length - 1],
                p(sorted, 0.99) / p(ballast, 0.99));
    }
}
