package dev.ballast.alert.alertmanager;

import dev.ballast.alert.AlertStatus;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads Alertmanager's webhook JSON (version 4) into alerts: severity from the {@code severity} label (critical,
 * warning, info; WARNING when absent or unknown), title from the {@code summary} annotation (else the alert name),
 * detail from {@code description}, fingerprint from a {@code fingerprint} label when the rule sets one (so it matches
 * the in-JVM alert of the same condition) else {@code alertmanager|<Alertmanager's fingerprint>}; resolved alerts
 * carry the resolved status; an absolute {@code runbook_url} and the generator URL become links, an {@code action}
 * annotation becomes an operation, with the arguments of an {@code action_arguments} annotation ({@code name=value}
 * pairs separated by commas; none when absent, no button when malformed). Stateless and thread-safe.
 */
public final class AlertmanagerWebhook {

    /** Largest body accepted. */
    public static final int MAX_BYTES = 1 << 20;

    /** The {@code source} label of every alert this webhook makes. */
    public static final String SOURCE = "prometheus";

    private static final Logger log = LoggerFactory.getLogger(AlertmanagerWebhook.class);
    /** Refuses a name given twice in one object: which value counts would be a parser's choice, not the sender's. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    // values may hold '@' (an instance's generated ballast.instance-name is <pid>@<host>-<hex>, and the shipped pool
    // saturation rule passes it as instance=) and spaces inside ("inst d"), not at either end
    private static final String VALUE = "[A-Za-z0-9._:@-](?:[A-Za-z0-9._:@ -]{0,98}[A-Za-z0-9._:@-])?";
    private static final Pattern ARGUMENT = Pattern.compile("([a-zA-Z][a-zA-Z0-9_-]{0,30})=(" + VALUE + ")");
    private static final Pattern CARRIED = Pattern.compile(VALUE);

    private AlertmanagerWebhook() {}

    /**
     * Whether an {@code action_arguments} value can carry {@code value}: 1 to 100 letters, digits, {@code . _ : @ -}
     * and inner spaces. An instance name that cannot be carried gets no button from the rules that bind theirs to it.
     */
    public static boolean carries(String value) {
        return CARRIED.matcher(value).matches();
    }

    /**
     * The alerts of one webhook call.
     *
     * @throws IllegalArgumentException if the body is not Alertmanager's webhook JSON version 4 (the message says why)
     */
    public static List<Alert> parse(byte[] body) {
        if (body.length > MAX_BYTES) {
            throw new IllegalArgumentException("Alertmanager payload larger than " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            String message = e.getOriginalMessage();
            throw new IllegalArgumentException(
                    message != null && message.startsWith("Duplicate Object property")
                            ? "Alertmanager payload names a field twice in one object"
                            : "Alertmanager payload is not JSON");
        }
        if (root == null || !root.isObject() || !"4".equals(root.path("version").asString(""))) {
            throw new IllegalArgumentException("Alertmanager payload must be an object with \"version\": \"4\"");
        }
        JsonNode alerts = root.path("alerts");
        if (!alerts.isArray()) {
            throw new IllegalArgumentException("Alertmanager payload has no \"alerts\" array");
        }
        List<Alert> parsed = new ArrayList<>(alerts.size());
        int index = 0;
        for (JsonNode alert : alerts) {
            check(alert, index++);
            parsed.add(alert(alert));
        }
        return parsed;
    }

    /**
     * Refuses an entry of the payload's alert array that is not an alert as Alertmanager sends it (found by a
     * black-box check: {@code null}, a number, labels that are numbers or arrays, a status "boom" went to chat as
     * alerts): an object
     * whose {@code labels} is an object of strings, whose {@code annotations}, when there, is one too, whose {@code
     * status}, when there, is firing or resolved, and whose {@code fingerprint}, {@code startsAt} and {@code
     * generatorURL}, when there, are strings.
     */
    private static void check(JsonNode alert, int index) {
        String which = "Alertmanager payload's alerts[" + index + "]";
        if (!alert.isObject()) {
            throw new IllegalArgumentException(which + " is not an object");
        }
        strings(alert.get("labels"), which + ".labels", true);
        strings(alert.get("annotations"), which + ".annotations", false);
        JsonNode status = alert.get("status");
        if (status != null
                && !status.isNull()
                && !(status.isString()
                        && (status.asString().equals("firing")
                                || status.asString().equals("resolved")))) {
            throw new IllegalArgumentException(which + ".status must be \"firing\" or \"resolved\"");
        }
        for (String field : List.of("fingerprint", "startsAt", "endsAt", "generatorURL")) {
            JsonNode value = alert.get(field);
            if (value != null && !value.isNull() && !value.isString()) {
                throw new IllegalArgumentException(which + "." + field + " must be a string");
            }
        }
    }

    private static void strings(@Nullable JsonNode node, String which, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw new IllegalArgumentException(which + " is missing: an object of label names to strings");
            }
            return;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(which + " must be an object of names to strings");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw new IllegalArgumentException(which + "." + cut(entry.getKey(), 64) + " must be a string, was "
                        + entry.getValue().getNodeType());
            }
        }
    }

    private static Alert alert(JsonNode node) {
        JsonNode labels = node.path("labels");
        JsonNode annotations = node.path("annotations");
        String name = labels.path("alertname").asString("Alertmanager alert");
        String title = annotations.path("summary").asString(name);
        Alert.Builder alert = Alert.builder(
                        severity(labels.path("severity").asString("")), cut(title, Alert.MAX_TITLE_LENGTH))
                .detail(annotations.path("description").asString(""))
                .fingerprint(fingerprint(labels, node))
                .label("source", SOURCE);
        for (Map.Entry<String, JsonNode> label : labels.properties()) {
            if (!label.getKey().equals("fingerprint") && !label.getKey().equals(AlertStatus.LABEL)) {
                alert.label(label.getKey(), label.getValue().asString(""));
            }
        }
        if ("resolved".equals(node.path("status").asString(""))) {
            alert.label(AlertStatus.LABEL, AlertStatus.RESOLVED);
        }
        timestamp(node.path("startsAt").asString("")).ifPresent(alert::timestamp);
        link("Runbook", annotations.path("runbook_url").asString("")).ifPresent(alert::action);
        link("Prometheus", node.path("generatorURL").asString("")).ifPresent(alert::action);
        String action = annotations.path("action").asString("");
        Map<String, String> arguments =
                arguments(annotations.path("action_arguments").asString(""));
        if (action.matches("[A-Za-z0-9._-]{1,64}") && arguments != null) {
            alert.action(AlertAction.operation(label(action, arguments), action, arguments));
        } else if (!action.isEmpty()) {
            log.warn(
                    "Alertmanager alert '{}': no button for action '{}', its action_arguments are not name=value pairs"
                            + " of letters, digits, '.', '_', ':', '@', '-' and inner spaces (at most 8, values up to"
                            + " 100 characters); an instance name with other characters cannot be carried",
                    cut(name, 200),
                    cut(action, 64));
        }
        String runbook = annotations.path("runbook_url").asString("");
        if (!runbook.isEmpty() && !runbook.startsWith("http")) {
            alert.label("runbook", runbook);
        }
        return alert.build();
    }

    private static String fingerprint(JsonNode labels, JsonNode node) {
        String own = labels.path("fingerprint").asString("");
        if (!own.isBlank()) {
            return own;
        }
        String am = node.path("fingerprint").asString("");
        return "alertmanager|" + (am.isBlank() ? labels.toString() : am);
    }

    private static Severity severity(String label) {
        return switch (label.toLowerCase(Locale.ROOT)) {
            case "critical", "page", "error" -> Severity.CRITICAL;
            case "info", "none" -> Severity.INFO;
            default -> Severity.WARNING;
        };
    }

    private static java.util.Optional<AlertAction> link(String label, String url) {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(new AlertAction(label, URI.create(url)));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private static java.util.Optional<Instant> timestamp(String text) {
        try {
            return text.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The {@code action_arguments} annotation, {@code name=value} pairs separated by commas (templated by the rule, e.g.
     * {@code cache={{ $labels.cache }},state=closed}); empty for none, null (no button) when it is not of that form.
     */
    private static @Nullable Map<String, String> arguments(String annotation) {
        if (annotation.isBlank()) {
            return Map.of();
        }
        Map<String, String> arguments = new LinkedHashMap<>();
        for (String pair : annotation.split(",", -1)) {
            Matcher matcher = ARGUMENT.matcher(pair.strip());
            if (!matcher.matches() || arguments.size() >= 8) {
                return null;
            }
            arguments.put(matcher.group(1), matcher.group(2));
        }
        return arguments;
    }

    private static String label(String operation, Map<String, String> arguments) {
        return switch (operation) {
            case "outbox.replay-dead-letters" -> "Replay dead letters";
            case "outbox.relay.resume" -> "Resume the relay";
            case "outbox.relay.pause" -> "Pause the relay";
            case "executor.resize" -> "Raise the pool";
            case "cache.breaker" -> {
                String state = arguments.getOrDefault("state", "");
                yield "closed".equalsIgnoreCase(state)
                        ? "Close the breaker"
                        : "open".equalsIgnoreCase(state) ? "Hold the breaker open" : generic(operation, arguments);
            }
            case "lock.mode" -> {
                String mode = arguments.getOrDefault("mode", "");
                yield "FALLBACK".equalsIgnoreCase(mode)
                        ? "Switch locks to the database"
                        : "PRIMARY".equalsIgnoreCase(mode) ? "Move locks back to Redis" : generic(operation, arguments);
            }
            default -> generic(operation, arguments);
        };
    }

    /** An operation the labels above do not know, or arguments they do not: named as the rule wrote it. */
    private static String generic(String operation, Map<String, String> arguments) {
        StringBuilder label = new StringBuilder(operation);
        arguments.forEach(
                (name, value) -> label.append(' ').append(name).append('=').append(value));
        return cut(label.toString(), 80);
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "\u2026";
    }
}
