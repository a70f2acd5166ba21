package dev.ballast.bench.fair;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Joins the trial lines that {@link PairedTrials#run} printed for one comparison, possibly over several runs (a long
 * comparison split into chunks so that no run holds the machine's lock for long), into one {@link Results}: the same
 * tables, chart and claim as a single run would print. A trial measured twice keeps its last line.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.ballast.bench.fair.Combine <chartDir> <chartPrefix> <chartName> <comparison>
 * <trials>
 * <metric> <reference> <goal> <file>...}: every non-reference subject is divided by the reference, and the first
 * subject's ratio over each other subject is claimed to be at least {@code goal}.
 */
public final class Combine {

    private static final Pattern SUBJECT = Pattern.compile("(\\S+) \\{([^}]*)\\}");

    private Combine() {}

    public static void main(String[] args) throws Exception {
        Path charts = Path.of(args[0]);
        String chartPrefix = args[1];
        String chartName = args[2];
        String comparison = args[3];
        int trials = Integer.parseInt(args[4]);
        String metric = args[5];
        String reference = args[6];
        double goal = Double.parseDouble(args[7]);
        String prefix = "[" + comparison + "] trial ";
        List<String> subjects = null;
        Map<Integer, Map<String, Map<String, Double>>> byTrial = new HashMap<>();
        for (String file : Arrays.asList(args).subList(8, args.length)) {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (!line.startsWith(prefix)) {
                    continue;
                }
                String rest = line.substring(prefix.length());
                int trial = Integer.parseInt(rest.substring(0, rest.indexOf(' '))) - 1;
                List<String> order = Arrays.asList(
                        rest.substring(rest.indexOf('[') + 1, rest.indexOf(']')).split(", "));
                if (subjects == null) {
                    subjects = new ArrayList<>(PairedTrials.order(order, trial)); // back to the forward order
                }
                Map<String, Map<String, Double>> measured = new LinkedHashMap<>();
                Matcher m = SUBJECT.matcher(rest.substring(rest.indexOf("]:") + 2));
                while (m.find()) {
                    Map<String, Double> metrics = new LinkedHashMap<>();
                    for (String pair : m.group(2).split(", ")) {
                        int eq = pair.lastIndexOf('=');
                        metrics.put(pair.substring(0, eq), Double.parseDouble(pair.substring(eq + 1)));
                    }
                    measured.put(m.group(1), metrics);
                }
                byTrial.put(trial, measured);
            }
        }
        if (subjects == null) {
            throw new IllegalArgumentException("no trial lines of [" + comparison + "] in the files given");
        }
        Results results = new Results(comparison, subjects, trials);
        byTrial.forEach((trial, measured) -> {
            if (trial < trials) {
                measured.forEach((subject, metrics) -> results.record(subject, trial, metrics));
            }
        });
        System.out.println("combined: " + byTrial.size() + " trial lines of [" + comparison + "] (trials "
                + byTrial.keySet().stream().sorted().map(t -> t + 1).toList() + ")");
        Report report = new Report(charts, chartPrefix);
        report.table(results, metric, metric, reference);
        report.chart(chartName, comparison, metric, results, List.of(metric));
        String first = subjects.get(0);
        for (String other : subjects.subList(1, subjects.size())) {
            report.claim(results.claim(first + " >= " + goal + "x " + other, first, other, metric, r -> r >= goal));
        }
        report.summary();
    }
}
