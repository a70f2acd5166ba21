package dev.ballast.bench.fair;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoublePredicate;

/** What {@link PairedTrials#run} measured: subject × trial × metric, and the paired statistics over it. */
public final class Results {

    private final String name;
    private final List<String> subjects;
    private final int trials;
    private final Map<String, Map<String, double[]>> values = new LinkedHashMap<>(); // subject → metric → per trial
    private final Set<String> metrics = new LinkedHashSet<>();

    Results(String name, List<String> subjects, int trials) {
        this.name = name;
        this.subjects = List.copyOf(subjects);
        this.trials = trials;
        for (String subject : subjects) {
            values.put(subject, new LinkedHashMap<>());
        }
    }

    void record(String subject, int trial, Map<String, Double> measured) {
        measured.forEach((metric, value) -> {
            metrics.add(metric);
            values.get(subject).computeIfAbsent(metric, m -> filled(trials))[trial] = value;
        });
    }

    private static double[] filled(int n) {
        double[] array = new double[n];
        Arrays.fill(array, Double.NaN);
        return array;
    }

    public String name() {
        return name;
    }

    public List<String> subjects() {
        return subjects;
    }

    public List<String> metrics() {
        return List.copyOf(metrics);
    }

    public int trials() {
        return trials;
    }

    /** The per-trial values of one subject's metric. */
    public double[] values(String subject, String metric) {
        double[] v = values.get(subject).get(metric);
        return v == null ? filled(trials) : v.clone();
    }

    /** Per-trial ratio {@code subject ÷ reference} of one metric (paired within a trial). */
    public double[] ratios(String subject, String reference, String metric) {
        double[] a = values(subject, metric);
        double[] b = values(reference, metric);
        double[] ratios = new double[trials];
        for (int t = 0; t < trials; t++) {
            ratios[t] = a[t] / b[t];
        }
        return ratios;
    }

    /** A paired ratio and whether a claim about it holds: in the median and in at least 4 of 5 trials (80 %). */
    public record Claim(
            String text, double median, double min, double max, int holdsIn, int trials, boolean medianHolds) {

        /** A headline may state it only when both hold. */
        public boolean holds() {
            return medianHolds && holdsIn * 5 >= trials * 4;
        }

        @Override
        public String toString() {
            return String.format(
                    "%s: median %.2f (%.2f–%.2f), holds in %d of %d trials → %s",
                    text, median, min, max, holdsIn, trials, holds() ? "HOLDS" : "does NOT hold");
        }
    }

    /** Evaluates {@code test} on every per-trial ratio and on their median. */
    public Claim claim(String text, String subject, String reference, String metric, DoublePredicate test) {
        double[] ratios = ratios(subject, reference, metric);
        int holds = 0;
        for (double r : ratios) {
            if (test.test(r)) {
                holds++;
            }
        }
        double median = Stats.median(ratios);
        return new Claim(text, median, Stats.min(ratios), Stats.max(ratios), holds, trials, test.test(median));
    }

    /** Per-trial values of a metric in a compact column, e.g. {@code 171 153 156 132 129}. */
    static String perTrial(double[] values) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(Stats.format(v));
        }
        return String.join(" ", parts);
    }
}
