package dev.ballast.bench.fair;

import java.util.Arrays;

/** Medians, extremes and percentiles, ignoring NaN (a measurement that did not happen). */
public final class Stats {

    private Stats() {}

    private static double[] present(double[] values) {
        return Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
    }

    public static double median(double[] values) {
        double[] sorted = present(values);
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public static double min(double[] values) {
        double[] sorted = present(values);
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    public static double max(double[] values) {
        double[] sorted = present(values);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    /** Nearest-rank percentile ({@code p} in 0..1) of raw samples. */
    public static long percentile(long[] samples, double p) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    /** Three significant figures at most, no exponent. */
    public static String format(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format("%,.0f", v);
        }
        if (a >= 100) {
            return String.format("%.0f", v);
        }
        if (a >= 10) {
            return String.format("%.1f", v);
        }
        return String.format("%.2f", v);
    }
}
