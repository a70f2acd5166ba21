package dev.ballast.loadtest;

import io.gatling.javaapi.core.Session;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Response times per request type, as Gatling measured them (its {@code responseTimeInMillis} check), and failures
 * (a request whose checks failed): the figures scripts/load-test compares, written as JSON at the end of a run. Gatling
 * 3.15's report is HTML only, so the run keeps its own copy. Thread-safe.
 */
final class Stats {

    private final Map<String, List<Integer>> times = new TreeMap<>();
    private final Map<String, Integer> failures = new TreeMap<>();

    /** Records the request {@code name} of {@code session}; its response time was saved as {@code rt}. */
    Session record(String name, Session session) {
        if (session.contains("rt")) {
            int millis = session.getInt("rt");
            boolean failed = session.isFailed();
            synchronized (this) {
                times.computeIfAbsent(name, n -> new ArrayList<>()).add(millis);
                if (failed) {
                    failures.merge(name, 1, Integer::sum);
                }
            }
        }
        return session.remove("rt").markAsSucceeded();
    }

    /** {@code "requests":{"quote":{"count":..,"ko":..,"p50":..,"p95":..,"p99":..},...,"all":{...}}}. */
    synchronized String json() {
        StringJoiner requests = new StringJoiner(",", "\"requests\":{", "}");
        List<Integer> all = new ArrayList<>();
        int allFailures = 0;
        for (Map.Entry<String, List<Integer>> entry : times.entrySet()) {
            int ko = failures.getOrDefault(entry.getKey(), 0);
            requests.add("\"" + entry.getKey() + "\":" + figures(entry.getValue(), ko));
            all.addAll(entry.getValue());
            allFailures += ko;
        }
        requests.add("\"all\":" + figures(all, allFailures));
        return requests.toString();
    }

    private static String figures(List<Integer> values, int ko) {
        int[] sorted = values.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(sorted);
        return "{\"count\":" + sorted.length + ",\"ko\":" + ko + ",\"p50\":" + percentile(sorted, 50) + ",\"p95\":"
                + percentile(sorted, 95) + ",\"p99\":" + percentile(sorted, 99) + ",\"max\":"
                + (sorted.length == 0 ? 0 : sorted[sorted.length - 1]) + "}";
    }

    /** Nearest-rank percentile; 0 for no values. */
    static int percentile(int[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }
}
