package dev.ballast.bench.fair;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs one JMH benchmark method for one subject (its {@code subject} parameter) in fresh forks of its own, so that a paired
 * trial can run the subjects in the order {@link PairedTrials} chooses. Returns the score, and for sample-time
 * benchmarks p50/p99, with {@code gc} the bytes allocated per operation, and {@code settle}: the first measured
 * iteration's score over the last one's (near 1 when the warm-up reached the steady state).
 */
public final class Jmh {

    private Jmh() {}

    /**
     * Warm-up and measurement settings of one run, and how many fresh forks it averages (the score is the mean over
     * every fork's measured iterations, as JMH reports it).
     */
    public record Settings(
            int warmUps, int warmUpSeconds, int measurements, int measurementSeconds, boolean gc, int forks) {

        public Settings {
            if (forks < 1) {
                throw new IllegalArgumentException("forks must be at least 1, was " + forks);
            }
        }

        /** One fork. */
        public Settings(int warmUps, int warmUpSeconds, int measurements, int measurementSeconds, boolean gc) {
            this(warmUps, warmUpSeconds, measurements, measurementSeconds, gc, 1);
        }
    }

    public static Map<String, Double> run(Class<?> benchmark, String method, String subject, Settings settings)
            throws Exception {
        return run(benchmark, method, subject, settings, Map.of());
    }

    /** As {@link #run(Class, String, String, Settings)}, with further {@code @Param} values (name → value). */
    public static Map<String, Double> run(
            Class<?> benchmark, String method, String subject, Settings settings, Map<String, String> params)
            throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + benchmark.getName().replace(".", "\\.") + "\\." + method + "$")
                .param("subject", subject)
                .forks(settings.forks())
                .warmupIterations(settings.warmUps())
                .warmupTime(TimeValue.seconds(settings.warmUpSeconds()))
                .measurementIterations(settings.measurements())
                .measurementTime(TimeValue.seconds(settings.measurementSeconds()))
                .shouldFailOnError(true)
                .verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT);
        params.forEach((name, value) -> options.param(name, value));
        if (Runtime.version().feature() >= 23) {
            // JMH reads field offsets through sun.misc.Unsafe: allowed, so the fork prints no deprecation warning into
            // the result file (the option exists from JDK 23 on; it changes no measured code path)
            options.jvmArgsAppend("--sun-misc-unsafe-memory-access=allow");
        }
        if (settings.gc()) {
            options.addProfiler(GCProfiler.class);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one result for " + method + "/" + subject + ": " + results);
        }
        RunResult run = results.iterator().next();
        Map<String, Double> metrics = new LinkedHashMap<>();
        Result<?> primary = run.getPrimaryResult();
        metrics.put("score", primary.getScore());
        var statistics = primary.getStatistics();
        if (statistics.getN() > 1000) { // sample time: raw samples, percentiles are meaningful
            metrics.put("p50", statistics.getPercentile(50));
            metrics.put("p99", statistics.getPercentile(99));
        }
        // the first measured iteration over the last (of the first fork): well above 1 when the subject was still
        // warming up as measured
        var iterations = List.copyOf(run.getBenchmarkResults().iterator().next().getIterationResults());
        if (iterations.size() > 1) {
            metrics.put(
                    "settle",
                    iterations.getFirst().getPrimaryResult().getScore()
                            / iterations.getLast().getPrimaryResult().getScore());
        }
        Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
        if (alloc != null) {
            metrics.put("B/op", alloc.getScore());
        }
        return metrics;
    }
}
