package dev.ballast.alert;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where alerts go: an alert whose severity is in {@code severities} (any, when empty) and whose labels hold every
 * entry of {@code labels} is delivered to {@code channels}. The router tries routes in order and stops at the first
 * match unless that route has {@code continueMatching}. Alerts of a route that share the values of its {@code groupBy}
 * labels and arrive within {@code groupWait} of the first become one message. Immutable and thread-safe.
 *
 * @param name shown in logs and errors
 * @param severities the severities this route takes; empty for all
 * @param labels label values an alert must carry
 * @param channels names of the channels to deliver to, at least one
 * @param continueMatching whether later routes are tried after this one matched
 * @param groupBy labels whose values form a group; empty for no grouping
 * @param groupWait how long the first alert of a group waits for others; zero delivers at once
 */
public record Route(
        String name,
        Set<Severity> severities,
        Map<String, String> labels,
        List<String> channels,
        boolean continueMatching,
        List<String> groupBy,
        Duration groupWait) {

    /** Validates and copies. */
    public Route {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(groupWait, "groupWait");
        severities = Set.copyOf(severities);
        labels = Map.copyOf(labels);
        channels = List.copyOf(channels);
        groupBy = List.copyOf(groupBy);
        if (name.isBlank()) {
            throw new IllegalArgumentException("Route name must not be blank");
        }
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("Route '" + name + "' has no channels");
        }
        if (groupWait.isNegative() || groupWait.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException(
                    "Route '" + name + "' groupWait must be 0 to 10 minutes, was " + groupWait);
        }
    }

    /** A route for one severity to {@code channels}, grouping by {@code module} for 5 s. */
    public static Route of(String name, Severity severity, List<String> channels) {
        return new Route(name, Set.of(severity), Map.of(), channels, false, List.of("module"), Duration.ofSeconds(5));
    }

    /** Whether {@code alert} takes this route. */
    public boolean matches(Alert alert) {
        if (!severities.isEmpty() && !severities.contains(alert.severity())) {
            return false;
        }
        for (Map.Entry<String, String> entry : labels.entrySet()) {
            if (!entry.getValue().equals(alert.labels().get(entry.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
