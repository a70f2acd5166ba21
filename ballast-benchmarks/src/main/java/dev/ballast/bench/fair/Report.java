package dev.ballast.bench.fair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints a suite's results as Markdown (per subject: median, min–max and every trial; per compared pair: the median
 * paired ratio with its min–max) and writes the headline charts as SVG next to the result file.
 */
public final class Report {

    private final Path chartDirectory;
    private final String chartPrefix;
    private final List<Results.Claim> claims = new ArrayList<>();

    /** Charts go to {@code chartDirectory/chartPrefix-<name>.svg}; a null directory writes none. */
    public Report(Path chartDirectory, String chartPrefix) {
        this.chartDirectory = chartDirectory;
        this.chartPrefix = chartPrefix;
    }

    /** A reference subject that every other subject's metric is divided by, trial by trial. */
    public void table(Results results, String metric, String unit, String reference) {
        System.out.println();
        System.out.printf(
                "### %s — %s (%s), %d trials, order alternating%n%n", results.name(), metric, unit, results.trials());
        System.out.println(
                "| subject | median | min–max | per trial | ÷ " + reference + ": median paired ratio | min–max |");
        System.out.println("|---|---:|---:|---|---:|---:|");
        for (String subject : results.subjects()) {
            double[] v = results.values(subject, metric);
            double[] r = results.ratios(subject, reference, metric);
            System.out.printf(
                    "| %s | %s | %s–%s | %s | %s | %s–%s |%n",
                    subject,
                    Stats.format(Stats.median(v)),
                    Stats.format(Stats.min(v)),
                    Stats.format(Stats.max(v)),
                    Results.perTrial(v),
                    String.format("%.2f", Stats.median(r)),
                    String.format("%.2f", Stats.min(r)),
                    String.format("%.2f", Stats.max(r)));
        }
        System.out.println();
    }

    /** Records and prints a claim (see {@link Results.Claim#holds()}). */
    public Results.Claim claim(Results.Claim claim) {
        claims.add(claim);
        System.out.println("CLAIM " + claim);
        return claim;
    }

    /** Bar chart of some metrics per subject (median, whiskers min–max over the trials); returns the file name. */
    public String chart(String name, String title, String unit, Results results, List<String> metrics) {
        if (chartDirectory == null) {
            return null;
        }
        List<Svg.Group> groups = new ArrayList<>();
        for (String subject : results.subjects()) {
            List<Svg.Bar> bars = new ArrayList<>();
            for (String metric : metrics) {
                double[] v = results.values(subject, metric);
                bars.add(new Svg.Bar(metric, Stats.median(v), Stats.min(v), Stats.max(v)));
            }
            groups.add(new Svg.Group(subject, bars));
        }
        String file = chartPrefix + "-" + name + ".svg";
        try {
            Files.createDirectories(chartDirectory);
            Files.writeString(chartDirectory.resolve(file), Svg.bars(title, unit, groups));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        System.out.println("CHART " + chartDirectory.resolve(file));
        return file;
    }

    /** Every claim printed so far, as a closing summary. */
    public void summary() {
        System.out.println();
        System.out.println("## Claims (a headline only if the median AND at least 4 of 5 trials hold)");
        System.out.println();
        for (Results.Claim claim : claims) {
            System.out.println("- " + claim);
        }
    }
}
