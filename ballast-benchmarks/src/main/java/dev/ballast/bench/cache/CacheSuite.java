package dev.ballast.bench.cache;

import dev.ballast.bench.fair.Jmh;
import dev.ballast.bench.fair.Machine;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.bench.fair.Stats;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The fair cache suite (issue 18), run by {@code scripts/bench cache}: the L1 hit ({@link L1HitBenchmark}, one fresh
 * JMH fork per subject per trial, 2 threads), the cross-instance invalidation delay against Redisson's local cached map
 * ({@link InvalidationDelayHarness}) and the stampede across 4 child JVMs ({@link StampedeHarness}: per trial
 * and subject, a fresh cluster, its warm-up trials, then {@code stampedeTrials} measured stampedes), subjects in
 * alternating order.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.cache.CacheSuite <chartDir>
 * <chartPrefix> [trials=5] [stampedeTrials=20] [subjects=ballast,caffeine,spring-sync-false]}; {@code
 * -Dcache.parts=l1,invalidation,stampede} (the default: all three) runs only the parts named.
 */
public final class CacheSuite {

    private static final int INVALIDATION_ROUNDS = 2000;

    private CacheSuite() {}

    public static void main(String[] args) throws Exception {
        Path charts = Path.of(args[0]);
        String prefix = args[1];
        int trials = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int stampedeTrials = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        List<String> stampedeSubjects =
                Arrays.asList((args.length > 4 ? args[4] : "ballast,caffeine,spring-sync-false").split(","));
        List<String> parts = Arrays.asList(
                System.getProperty("cache.parts", "l1,invalidation,stampede").split(","));
        Machine.describe(false, true);
        Report report = new Report(charts, prefix);
        if (parts.contains("l1")) {
            l1(report, trials);
        }
        if (parts.contains("invalidation")) {
            invalidation(report, trials);
        }
        if (parts.contains("stampede")) {
            stampede(report, trials, stampedeTrials, stampedeSubjects);
        }
        report.summary();
    }

    private static void l1(Report report, int trials) throws Exception {

        System.out.println("L1 hit: JMH throughput, 2 threads, 1 fork, 2 x 1 s warm-up, 3 x 1 s measurement");
        Jmh.Settings settings = new Jmh.Settings(2, 1, 3, 1, false);
        Results l1 = PairedTrials.run(
                "cache L1 hit",
                // caffeine-coarse-ticker: raw Caffeine with a ticker like Ballast's L1 (a field a thread refreshes
                // every millisecond) instead of System.nanoTime(): the like-for-like ticker, shown beside the goal's
                // peer
                List.of("map", "caffeine", "caffeine-coarse-ticker", "ballast"),
                trials,
                0,
                (subject, trial) -> Jmh.run(L1HitBenchmark.class, "hit", subject, settings));
        report.table(l1, "score", "ops/µs", "caffeine");
        report.chart("l1-hit", "L1 hit throughput (2 threads)", "ops/µs", l1, List.of("score"));
        report.claim(
                l1.claim("goal 8: L1 hit ballast >= 0.95x caffeine", "ballast", "caffeine", "score", r -> r >= 0.95));
        String sameTicker = "(not a goal) L1 hit ballast >= 0.95x caffeine with the same coarse ticker";
        report.claim(l1.claim(sameTicker, "ballast", "caffeine-coarse-ticker", "score", r -> r >= 0.95));
    }

    private static void invalidation(Report report, int trials) throws Exception {

        System.out.println();
        System.out.printf(
                "invalidation delay: instance A writes a key instance B holds in L1; from A's write returning until B"
                        + " reads the new value (B polls every 20 µs); %d rounds after 200 warm-up rounds per subject per"
                        + " trial, fresh clients and cache name each time, one unrecorded warm-up trial%n",
                INVALIDATION_ROUNDS);
        Results invalidation = PairedTrials.run(
                "cache invalidation delay (2 instances, one Redis)",
                List.of("ballast", "redisson-local-cached-map"),
                trials,
                1,
                (subject, trial) -> {
                    double[] sorted = InvalidationDelayHarness.delays(subject, INVALIDATION_ROUNDS, 6379);
                    return Map.of(
                            "p50",
                            InvalidationDelayHarness.p(sorted, 0.50),
                            "p99",
                            InvalidationDelayHarness.p(sorted, 0.99),
                            "max",
                            sorted[sorted.length - 1]);
                });
        for (String metric : List.of("p50", "p99")) {
            report.table(invalidation, metric, "µs", "redisson-local-cached-map");
        }
        report.chart("invalidation", "Cross-instance invalidation delay", "µs", invalidation, List.of("p50", "p99"));
        report.claim(invalidation.claim(
                "goal 8: invalidation p99 ballast <= redisson local cached map",
                "ballast",
                "redisson-local-cached-map",
                "p99",
                r -> r <= 1.0));
    }

    private static void stampede(Report report, int trials, int stampedeTrials, List<String> stampedeSubjects)
            throws Exception {
        System.out.println();
        System.out.printf(
                "stampede: 4 instances in 4 child JVMs (-Xms256m -Xmx256m -Xmn128m) x 250 concurrent requests, loader 50 ms,"
                        + " 10 warm-up + %d measured stampedes per subject per trial%n",
                stampedeTrials);
        Results stampede =
                PairedTrials.run("cache stampede (4 JVMs x 250)", stampedeSubjects, trials, 0, (subject, trial) -> {
                    StampedeHarness.Row row = StampedeHarness.run(subject, true, stampedeTrials, 4, 250, 6379);
                    double[] calls = Arrays.stream(row.calls()).asDoubleStream().toArray();
                    return Map.of(
                            "p50", row.p(0.50),
                            "p99", row.p(0.99),
                            "max", row.p(1.0),
                            "loads per stampede (median)", Stats.median(calls),
                            "stampedes with exactly 1 load (%)", 100.0 * row.exactlyOne() / row.calls().length);
                });
        for (String metric : List.of("p50", "p99", "max")) {
            report.table(stampede, metric, "ms", "caffeine");
        }
        report.table(stampede, "loads per stampede (median)", "loader calls across the 4 instances", "caffeine");
        report.table(stampede, "stampedes with exactly 1 load (%)", "%", "caffeine");
        report.chart(
                "stampede-latency",
                "Stampede latency, 4 JVMs x 250 requests",
                "ms",
                stampede,
                List.of("p50", "p99", "max"));
        report.chart(
                "stampede-loads",
                "Loader calls per stampede (4 JVMs)",
                "calls",
                stampede,
                List.of("loads per stampede (median)"));
        report.claim(stampede.claim(
                "goal 6: stampede p99 ballast <= caffeine alone", "ballast", "caffeine", "p99", r -> r <= 1.0));
        double[] exactlyOne = stampede.values("ballast", "stampedes with exactly 1 load (%)");
        long full = Arrays.stream(exactlyOne).filter(v -> v == 100.0).count();
        System.out.printf(
                "CLAIM goal 6: exactly 1 load in every stampede: in %d of %d trials%n", full, exactlyOne.length);
    }
}
