package dev.ballast.bench.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Early refresh under steady load (issue 3, point 13), printed as a table: one hot key with a 1 s TTL, a 50 ms loader,
 * {@code instances} instances each read by 2 threads (a read, then 1 ms pause) for {@code seconds} seconds. A
 * caller-visible miss is a read that took at least half the loader time (it waited for a load). Reports misses and
 * loader calls for Ballast (XFetch) and, in the same run on the same Redis, Spring's {@code RedisCacheManager}
 * ({@code sync = true}), Caffeine with expiry only and Caffeine with {@code refreshAfterWrite}.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.cache.EarlyRefreshHarness
 * [seconds=30] [instances=2] [redisPort=6379] [subjects=ballast,spring-sync-true,caffeine,caffeine-refresh]}
 */
public final class EarlyRefreshHarness {

    private static final Duration TTL = Duration.ofSeconds(1);
    private static final Duration LOADER_TIME = Duration.ofMillis(50);

    private EarlyRefreshHarness() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int instances = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int redisPort = args.length > 2 ? Integer.parseInt(args[2]) : 6379;
        List<String> subjects = Arrays.asList(
                (args.length > 3 ? args[3] : "ballast,spring-sync-true,caffeine,caffeine-refresh").split(","));
        System.out.printf(
                "Early refresh: TTL %d ms, loader %d ms, %d instances x 2 readers, %d s per subject, Java %s, %d CPUs%n%n",
                TTL.toMillis(),
                LOADER_TIME.toMillis(),
                instances,
                seconds,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        System.out.println(
                "| subject | reads | caller-visible misses | loader calls | loader calls per TTL | p99 read ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (String subject : subjects) {
            run(subject, seconds, instances, redisPort);
        }
    }

    private static void run(String subject, int seconds, int instances, int redisPort) throws Exception {
        String cacheName = "refresh-" + UUID.randomUUID().toString().substring(0, 8);
        List<CacheSubject> cluster = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            cluster.add(CacheSubject.create(subject, cacheName, redisPort, TTL));
        }
        AtomicInteger loads = new AtomicInteger();
        AtomicLong reads = new AtomicLong();
        AtomicLong misses = new AtomicLong();
        long missMicros = LOADER_TIME.toNanos() / 2000;
        long[][] latencies = new long[instances * 2][];
        try {
            for (CacheSubject cache : cluster) { // the key is hot from the start
                cache.get("005930", () -> load(loads));
            }
            loads.set(0);
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < instances * 2; r++) {
                CacheSubject cache = cluster.get(r % instances);
                int slot = r;
                readers.add(Thread.ofPlatform().start(() -> {
                    long[] mine = new long[seconds * 1200];
                    int n = 0;
                    try {
                        while (System.nanoTime() < end) {
                            long begin = System.nanoTime();
                            cache.get("005930", () -> load(loads));
                            long micros = (System.nanoTime() - begin) / 1000;
                            if (n < mine.length) {
                                mine[n++] = micros;
                            }
                            reads.incrementAndGet();
                            if (micros >= missMicros) {
                                misses.incrementAndGet();
                            }
                            Thread.sleep(1);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    latencies[slot] = Arrays.copyOf(mine, n);
                }));
            }
            for (Thread reader : readers) {
                reader.join();
            }
        } finally {
            cluster.forEach(CacheSubject::close);
        }
        long[] all =
                Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        double p99 = all[(int) Math.ceil(0.99 * all.length) - 1] / 1000.0;
        System.out.printf(
                Locale.ROOT,
                "| %s | %d | %d | %d | %.2f | %.1f |%n",
                subject,
                reads.get(),
                misses.get(),
                loads.get(),
                loads.get() / (seconds * 1000.0 / TTL.toMillis()),
                p99);
    }

    private static String load(AtomicInteger loads) throws InterruptedException {
        loads.incrementAndGet();
        Thread.sleep(LOADER_TIME);
        return "71200.00";
    }
}
