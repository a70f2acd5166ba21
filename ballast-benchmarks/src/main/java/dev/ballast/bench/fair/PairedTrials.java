package dev.ballast.bench.fair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one paired-trial runner every suite uses: each trial measures every subject once, the subject order alternating
 * between trials (forward in trials 1, 3, 5, ..., reversed in 2, 4, ...: ABBA for two subjects), after unrecorded
 * warm-up trials in the same alternation. A measurement returns named metrics; {@link Results} then gives per-trial
 * ratios between subjects, their median with min–max, and in how many trials a claim holds.
 */
public final class PairedTrials {

    private PairedTrials() {}

    /** One measurement of one subject: metric name → value. */
    @FunctionalInterface
    public interface Measurement {
        Map<String, Double> measure(String subject, int trial) throws Exception;
    }

    /** A single-metric measurement. */
    public static Measurement single(String metric, SingleMeasurement measurement) {
        return (subject, trial) -> Map.of(metric, measurement.measure(subject, trial));
    }

    /** Returns one value. */
    @FunctionalInterface
    public interface SingleMeasurement {
        double measure(String subject, int trial) throws Exception;
    }

    /** The order of the subjects in trial {@code trial} (0-based; warm-ups are negative). */
    public static List<String> order(List<String> subjects, int trial) {
        List<String> order = new ArrayList<>(subjects);
        if (Math.floorMod(trial, 2) == 1) {
            Collections.reverse(order);
        }
        return order;
    }

    /**
     * Runs {@code warmUps} unrecorded trials, then {@code trials} recorded ones, printing each measurement as it
     * comes (so a stopped run still leaves its raw figures).
     */
    public static Results run(String name, List<String> subjects, int trials, int warmUps, Measurement measurement)
            throws Exception {
        return run(name, subjects, trials, warmUps, 0, trials, measurement);
    }

    /**
     * Runs {@code warmUps} unrecorded trials, then the recorded trials {@code from} (inclusive) to {@code to}
     * (exclusive) of {@code trials}, each in the order its index gives: a long comparison split over several runs
     * (several holds of the machine's lock) keeps its alternation, and {@link Combine} joins the printed lines.
     * Trials outside the range stay NaN in the returned results.
     */
    public static Results run(
            String name, List<String> subjects, int trials, int warmUps, int from, int to, Measurement measurement)
            throws Exception {
        Results results = new Results(name, subjects, trials);
        for (int trial = -warmUps; trial < to; trial++) {
            if (trial >= 0 && trial < from) {
                continue;
            }
            List<String> order = order(subjects, trial);
            StringBuilder line = new StringBuilder();
            line.append(trial < 0 ? "warm-up" : "trial " + (trial + 1))
                    .append(" order ")
                    .append(order)
                    .append(':');
            for (String subject : order) {
                Map<String, Double> metrics = new LinkedHashMap<>(measurement.measure(subject, trial));
                if (trial >= 0) {
                    results.record(subject, trial, metrics);
                }
                line.append(' ').append(subject).append(' ').append(metrics);
            }
            line.append(" (load average after the trial: ")
                    .append(loadAverage())
                    .append(')');
            System.out.println("[" + name + "] " + line);
        }
        return results;
    }

    /**
     * The 1-minute load average from {@code /proc/loadavg} ("?" elsewhere): on a machine of 2 vCPUs, a value well above
     * the benchmark's own threads says that something else ran during the trial (a process outside the machine's lock).
     */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
