package dev.ballast.bench.executor;

import dev.ballast.bench.fair.Jmh;
import dev.ballast.bench.fair.Machine;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import java.nio.file.Path;
import java.util.List;

/**
 * The fair executor suite (issue 18), run by {@code scripts/bench executor}: {@link ExecutorBenchmark}'s {@code
 * executeSuccess} and {@code executeFailure}, fresh JMH forks per subject per trial (one unless {@code
 * -Dexecutor.forks=n}; average time, B/op by JMH's GC
 * profiler), subjects in alternating order, paired ratios to the hand-written equivalent and to Resilience4j.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.executor.ExecutorSuite <chartDir>
 * <chartPrefix> [trials=5] [warmUpSeconds=2] [measureSeconds=3]}; {@code -Dexecutor.subjects=handwritten,ballast,...}
 * runs only the subjects named (the default: all six). The ablation twins ({@code handwritten-mdc-only} with {@code
 * ballast-mdc-only}, {@code handwritten} with {@code ballast-mdc-metrics}, {@code handwritten-debug-check} with {@code
 * ballast}) add a claim each when both are named: the pipeline against the same work written by hand, policy by policy.
 */
public final class ExecutorSuite {

    private ExecutorSuite() {}

    public static void main(String[] args) throws Exception {
        Path charts = Path.of(args[0]);
        String prefix = args[1];
        int trials = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        // 10 s of warm-up: on a 2-core VM the pipeline's deeper call tree reaches its steady state after 4 to 7
        // one-second iterations (the hand-written subject after 3); 2 s measured it while C2 was still compiling
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int measure = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        // forks per subject per trial (-Dexecutor.forks): one fork's score swings with its JIT's choices (the
        // hand-written subject 152-203 ns/op on the same machine in one hour), more than the 10 % a claim is about; a
        // trial's score is then the mean over its forks, the same count for every subject
        int forks = Integer.getInteger("executor.forks", 1);
        Machine.describe(false, false);
        System.out.printf(
                "JMH per subject per trial: %d fork(s), %d x 1 s warm-up, %d x 1 s measurement each, average time, -prof"
                        + " gc; one unrecorded warm-up trial%n",
                forks, warmUp, measure);
        Jmh.Settings settings = new Jmh.Settings(warmUp, 1, measure, 1, true, forks);
        List<String> subjects = List.of(System.getProperty(
                        "executor.subjects",
                        "handwritten,ballast,resilience4j-same-work,resilience4j,failsafe,ballast-disabled")
                .split(","));
        Report report = new Report(charts, prefix);
        for (String method : List.of("executeSuccess", "executeFailure")) {
            Results results = PairedTrials.run(
                    "executor " + method,
                    subjects,
                    trials,
                    1, // one unrecorded trial first, as in the other suites: the machine settles after the build
                    (subject, trial) -> Jmh.run(ExecutorBenchmark.class, method, subject, settings));
            report.table(results, "score", "ns/op", "handwritten");
            report.table(results, "B/op", "bytes allocated per call", "handwritten");
            report.chart(method, "LogicExecutor " + method + ": ns per call", "ns/op", results, List.of("score"));
            report.claim(results.claim(
                    "goal 7 (" + method + "): ballast <= 1.1x handwritten",
                    "ballast",
                    "handwritten",
                    "score",
                    r -> r <= 1.1));
            report.claim(results.claim(
                    "issue 2 goal (" + method + "): ballast <= 1.3x handwritten",
                    "ballast",
                    "handwritten",
                    "score",
                    r -> r <= 1.3));
            report.claim(results.claim(
                    "goal 7 (" + method + "): ballast B/op <= handwritten B/op",
                    "ballast",
                    "handwritten",
                    "B/op",
                    r -> r <= 1.001)); // JMH's own bookkeeping adds a fraction of a byte per op to both subjects
            if (subjects.contains("resilience4j-same-work")) {
                report.claim(results.claim(
                        "goal 7 (" + method + "): ballast <= 1.0x resilience4j doing the same work",
                        "ballast",
                        "resilience4j-same-work",
                        "score",
                        r -> r <= 1.0));
            }
            // the ablation (EXECUTOR_SUBJECTS with the twins): the same work by hand and through the pipeline, step by
            // step
            ablation(report, results, subjects, method, "ballast-mdc-only", "handwritten-mdc-only");
            ablation(report, results, subjects, method, "ballast-mdc-metrics", "handwritten");
            ablation(report, results, subjects, method, "ballast", "handwritten-debug-check");
            if (subjects.contains("resilience4j")) {
                report.claim(results.claim(
                        "(" + method + ") ballast <= 1.0x resilience4j (a bare breaker: not the same work)",
                        "ballast",
                        "resilience4j",
                        "score",
                        r -> r <= 1.0));
            }
        }
        report.summary();
    }

    private static void ablation(
            Report report, Results results, List<String> subjects, String method, String ballast, String byHand) {
        if (subjects.contains(ballast) && subjects.contains(byHand)) {
            report.claim(results.claim(
                    "ablation (" + method + "): " + ballast + " <= 1.1x " + byHand + " (the same work by hand)",
                    ballast,
                    byHand,
                    "score",
                    r -> r <= 1.1));
        }
    }
}
