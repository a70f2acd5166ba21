package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import dev.ballast.alert.Route;
import dev.ballast.core.alert.Alert;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a message goes once the pipeline has decided to send it: the routes it matches, in order, and the groups
 * that hold firing messages for a route's group wait. Not thread-safe: owned by one {@link Pipeline}, used only on the
 * router's dispatcher thread.
 */
final class Routing {

    private final List<Route> routes;
    private final Pipeline.Events events;
    private final Map<List<Object>, Group> groups = new LinkedHashMap<>();

    Routing(List<Route> routes, Pipeline.Events events) {
        this.routes = List.copyOf(routes);
        this.events = events;
    }

    /**
     * Sends {@code message} to the channels of every route {@code alert} matches; a firing message ({@code mayGroup})
     * waits in its route's group when the route groups.
     */
    void route(Alert alert, Message message, boolean mayGroup, List<Delivery> out, Instant now) {
        forEachMatching(alert, route -> {
            if (mayGroup && !route.groupBy().isEmpty() && !route.groupWait().isZero()) {
                group(route, alert, message, now);
            } else {
                emit(route, message, out);
            }
        });
    }

    /** Calls {@code action} for each route {@code alert} matches, in order, until one does not continue matching. */
    private void forEachMatching(Alert alert, Consumer<Route> action) {
        boolean matched = false;
        for (Route route : routes) {
            if (!route.matches(alert)) {
                continue;
            }
            matched = true;
            action.accept(route);
            if (!route.continueMatching()) {
                break;
            }
        }
        if (!matched) {
            events.suppressed(alert.severity(), "unmatched");
        }
    }

    /** Emits the groups whose wait is over at {@code now}. */
    void flushDue(Instant now, List<Delivery> out) {
        for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
            Group group = it.next();
            if (!now.isBefore(group.due)) {
                it.remove();
                emit(group.route, group.merged(now), out);
            }
        }
    }

    /** Emits every group, due or not. */
    void flushAll(Instant now, List<Delivery> out) {
        for (Group group : groups.values()) {
            emit(group.route, group.merged(now), out);
        }
        groups.clear();
    }

    /**
     * Before a resolution of {@code fingerprint}: from every group not sent yet, the firing messages are taken out (the
     * alert resolved before its channels got it), and a group left empty is dropped; the channels then get one message,
     * the resolution saying when it fired. That holds also for a group whose wait is over but whose flush has not run
     * yet: a condition whose resolution came as its group fell due (a rule evaluated every 5 s against a 5 s group
     * wait) was two messages in the same millisecond, firing then resolved, or one, by which thread ran first. Returns
     * the names of the routes whose group it was taken from: their channels never got it.
     */
    Set<String> withdraw(String fingerprint) {
        Set<String> withdrawn = new HashSet<>();
        for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
            Group group = it.next();
            if (group.messages.removeIf(message -> about(message, fingerprint))) {
                withdrawn.add(group.route.name());
                if (group.messages.isEmpty()) {
                    it.remove();
                }
            }
        }
        return withdrawn;
    }

    private static boolean about(Message message, String fingerprint) {
        return message.alerts().stream().allMatch(alert -> alert.fingerprint().equals(fingerprint));
    }

    /**
     * Sends a resolution: {@code folded} to the channels of the routes in {@code withdrawn} (their firing message was
     * never sent), {@code message} to the others {@code alert} matches.
     */
    void routeResolution(Alert alert, Message message, Message folded, Set<String> withdrawn, List<Delivery> out) {
        forEachMatching(alert, route -> emit(route, withdrawn.contains(route.name()) ? folded : message, out));
    }

    private void group(Route route, Alert alert, Message message, Instant now) {
        List<String> values = new ArrayList<>(route.groupBy().size());
        for (String label : route.groupBy()) {
            values.add(label + "=" + alert.labels().getOrDefault(label, ""));
        }
        List<Object> key = List.of(route.name(), values);
        groups.computeIfAbsent(key, k -> new Group(route, values, now.plus(route.groupWait())))
                .messages
                .add(message);
    }

    private static void emit(Route route, Message message, List<Delivery> out) {
        String excluded = message.first().labels().get(Pipeline.EXCLUDE_CHANNEL);
        for (String channel : route.channels()) {
            if (!channel.equals(excluded)) {
                out.add(new Delivery(channel, message));
            }
        }
    }
}
