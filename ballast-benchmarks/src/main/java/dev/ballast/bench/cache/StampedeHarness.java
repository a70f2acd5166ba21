package dev.ballast.bench.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Cache stampede across instances (issue 3, point 12), printed as a table: {@code instances} instances, each with its
 * own L1 and Redis connections, each sending {@code concurrency} concurrent requests for one hot key that has just been
 * evicted, whose loader takes 50 ms; {@code trials} trials per subject. Reports loader calls per trial (cluster-wide)
 * and request latency p50/p99/max over all trials, for Ballast and, in the same run on the same Redis, Spring's
 * {@code RedisCacheManager} as {@code @Cacheable} uses it without and with {@code sync}, and Caffeine alone.
 *
 * <p>{@code jvms} mode runs every instance in its own child JVM (the headline); {@code inproc} runs them in this JVM.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.cache.StampedeHarness [jvms|inproc]
 * [trials=20] [instances=4] [concurrency=250] [redisPort=6379] [subjects=ballast,spring-sync-false,spring-sync-true,caffeine]}
 */
public final class StampedeHarness {

    /** Trials run and discarded first, so every subject's code paths are compiled as in a long-running service. */
    private static final int WARM_UP_TRIALS = 10;

    private StampedeHarness() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            StampedeInstance.child(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            return;
        }
        boolean jvms = args.length <= 0 || !args[0].equals("inproc");
        int trials = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int instances = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 250;
        int redisPort = args.length > 4 ? Integer.parseInt(args[4]) : 6379;
        List<String> subjects = Arrays.asList(
                (args.length > 5 ? args[5] : "ballast,spring-sync-false,spring-sync-true,caffeine").split(","));
        System.out.printf(
                "Stampede: %s, %d instances x %d concurrent requests, loader %d ms, %d trials after %d warm-up trials,"
                        + " Java %s, %d CPUs%n",
                jvms ? "one JVM per instance" : "instances in one JVM",
                instances,
                concurrency,
                StampedeInstance.LOADER_TIME.toMillis(),
                trials,
                WARM_UP_TRIALS,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        List<Row> rows = new ArrayList<>();
        for (String subject : subjects) {
            rows.add(run(subject, jvms, trials, instances, concurrency, redisPort));
        }
        print(rows);
    }

    /**
     * One subject's stampedes: {@code instances} instances (child JVMs when {@code jvms}), {@link #WARM_UP_TRIALS}
     * warm-up stampedes, then {@code trials} measured ones. {@code redisPort}: the Redis, or any node of a cluster for
     * {@code ballast-cluster}.
     */
    public static Row run(String subject, boolean jvms, int trials, int instances, int concurrency, int redisPort)
            throws Exception {
        String cacheName = "stampede-" + UUID.randomUUID().toString().substring(0, 8);
        List<StampedeInstance> cluster = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            cluster.add(
                    jvms
                            ? new StampedeInstance.Child(subject, cacheName, redisPort, concurrency)
                            : new StampedeInstance.Local(subject, cacheName, redisPort, concurrency));
        }
        try {
            int[] calls = new int[trials];
            long[] slowest = new long[trials];
            List<long[]> latencies = new ArrayList<>();
            for (int warmUp = 0; warmUp < WARM_UP_TRIALS; warmUp++) {
                trial(cluster);
            }
            for (int t = 0; t < trials; t++) {
                StampedeInstance.Trial result = trial(cluster);
                calls[t] = result.loads();
                slowest[t] = Arrays.stream(result.latenciesMicros()).max().orElse(0) / 1000;
                latencies.add(result.latenciesMicros());
            }
            long[] all =
                    latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            return new Row(subject, calls, slowest, all);
        } finally {
            for (StampedeInstance instance : cluster) {
                instance.close();
            }
        }
    }

    private static StampedeInstance.Trial trial(List<StampedeInstance> cluster) throws Exception {
        for (StampedeInstance instance : cluster) {
            instance.evict();
        }
        Thread.sleep(300); // evictions and invalidations settle
        for (StampedeInstance instance : cluster) {
            instance.arm();
        }
        for (StampedeInstance instance : cluster) {
            instance.go();
        }
        int loads = 0;
        List<long[]> latencies = new ArrayList<>();
        for (StampedeInstance instance : cluster) {
            StampedeInstance.Trial one = instance.collect();
            loads += one.loads();
            latencies.add(one.latenciesMicros());
        }
        return new StampedeInstance.Trial(
                loads, latencies.stream().flatMapToLong(Arrays::stream).toArray());
    }

    /** Loader calls and slowest latency per stampede, every caller's latency (µs, sorted). */
    @SuppressWarnings("ArrayRecordComponent") // results carried to the report, never compared
    public record Row(String subject, int[] calls, long[] slowestMillisPerTrial, long[] sortedMicros) {
        /** The {@code q} quantile of every caller's latency, in ms. */
        public double p(double q) {
            return sortedMicros[(int) Math.min(sortedMicros.length - 1, Math.ceil(q * sortedMicros.length) - 1)]
                    / 1000.0;
        }

        /** Stampedes with exactly one loader call across the instances. */
        public long exactlyOne() {
            return Arrays.stream(calls).filter(c -> c == 1).count();
        }
    }

    private static void print(List<Row> rows) {
        Row ballast = rows.stream()
                .filter(r -> r.subject.equals("ballast"))
                .findFirst()
                .orElse(rows.getFirst());
        System.out.println();
        System.out.println(
                "| subject | loader calls per trial (min / median / max) | trials with exactly 1 | p50 ms | p99 ms | max ms | p99 x ballast |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Row row : rows) {
            int[] sorted = row.calls.clone();
            Arrays.sort(sorted);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d / %d / %d | %d of %d | %.1f | %.1f | %.1f | %.2f |%n",
                    row.subject,
                    sorted[0],
                    sorted[sorted.length / 2],
                    sorted[sorted.length - 1],
                    row.exactlyOne(),
                    sorted.length,
                    row.p(0.50),
                    row.p(0.99),
                    row.p(1.0),
                    row.p(0.99) / ballast.p(0.99));
        }
        for (Row row : rows) {
            System.out.println(row.subject + " calls per trial: " + Arrays.toString(row.calls));
            System.out.println(
                    row.subject + " slowest request per trial, ms: " + Arrays.toString(row.slowestMillisPerTrial));
        }
    }
}
