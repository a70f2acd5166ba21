package dev.ballast.bench.lock;

import dev.ballast.bench.fair.Jmh;
import dev.ballast.bench.fair.Machine;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.bench.fair.Stats;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The fair lock suite (issue 18), run by {@code scripts/bench lock}: uncontended acquire + release ({@link
 * LockBenchmark}, one fresh JMH fork per subject per trial, sample time) and the contended hand-off of {@link
 * LockHandoffHarness} (8 threads on one key), Ballast against Redisson on the same Redis, order alternating.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.lock.LockSuite <chartDir>
 * <chartPrefix> [trials=5] [handoffAcquisitions=2000]}.
 */
public final class LockSuite {

    private LockSuite() {}

    public static void main(String[] args) throws Exception {
        Path charts = Path.of(args[0]);
        String prefix = args[1];
        int trials = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int acquisitions = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
        Machine.describe(false, true);
        Report report = new Report(charts, prefix);
        List<String> subjects = List.of("ballast", "redisson");

        System.out.println("uncontended: JMH sample time, 1 fork, 2 x 1 s warm-up, 3 x 2 s measurement per subject");
        Jmh.Settings settings = new Jmh.Settings(2, 1, 3, 2, false);
        Results uncontended = PairedTrials.run(
                "lock uncontended acquire+release",
                subjects,
                trials,
                0,
                (subject, trial) -> Jmh.run(LockBenchmark.class, "acquireAndRelease", subject, settings));
        for (String metric : List.of("score", "p50", "p99")) {
            report.table(uncontended, metric, "µs (score = mean)", "redisson");
        }
        report.chart(
                "uncontended",
                "Uncontended lock acquire + release on Redis",
                "µs",
                uncontended,
                List.of("p50", "score", "p99"));
        report.claim(uncontended.claim(
                "uncontended mean: ballast <= 1.0x redisson", "ballast", "redisson", "score", r -> r <= 1.0));

        String redis = "redis://127.0.0.1:6379";
        Results handoff = PairedTrials.run(
                "lock contended hand-off (8 threads, " + acquisitions + " acquisitions)",
                subjects,
                trials,
                1,
                (subject, trial) -> {
                    try (LockSubject locks = LockSubject.create(subject, redis)) {
                        long[] nanos = LockHandoffHarness.run(locks, trial < 0 ? acquisitions / 4 : acquisitions);
                        return Map.of(
                                "p50", Stats.percentile(nanos, 0.50) / 1000.0,
                                "p99", Stats.percentile(nanos, 0.99) / 1000.0);
                    }
                });
        report.table(handoff, "p50", "µs", "redisson");
        report.table(handoff, "p99", "µs", "redisson");
        report.chart("handoff", "Contended lock hand-off (8 threads, one key)", "µs", handoff, List.of("p50", "p99"));
        report.claim(
                handoff.claim("hand-off p50: ballast <= 1.0x redisson", "ballast", "redisson", "p50", r -> r <= 1.0));
        report.claim(
                handoff.claim("hand-off p99: ballast <= 1.0x redisson", "ballast", "redisson", "p99", r -> r <= 1.0));
        report.summary();
    }
}
