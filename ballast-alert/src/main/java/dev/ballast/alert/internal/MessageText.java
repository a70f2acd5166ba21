package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.Alert;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** The parts every channel shows, in the same words. Stateless. */
final class MessageText {

    static final String TRUNCATED = "\u2026 [truncated]";

    /** Alerts of a group shown one by one in chat and the log; the file and the webhook JSON carry every one. */
    static final int LISTED = 20;

    private MessageText() {}

    /** {@code text} cut to {@code max} characters, ending with a marker when cut. */
    static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        if (max <= TRUNCATED.length()) {
            return text.substring(0, max);
        }
        return text.substring(0, max - TRUNCATED.length()) + TRUNCATED;
    }

    /**
     * The detail of a single alert, or one line for each of the first {@link #LISTED} alerts of a group and one saying
     * how many more there are (the file and the webhook JSON list every one).
     */
    static String detail(Message message) {
        StringBuilder text = new StringBuilder();
        List<Alert> alerts = message.alerts();
        if (alerts.size() == 1) {
            text.append(message.first().detail());
        } else {
            for (Alert alert : alerts.subList(0, Math.min(LISTED, alerts.size()))) {
                text.append("\u2022 [").append(alert.severity()).append("] ").append(alert.title());
                if (!alert.detail().isEmpty()) {
                    text.append(" \u2014 ").append(alert.detail());
                }
                text.append('\n');
            }
            if (alerts.size() > LISTED) {
                text.append("\u2022 \u2026 and ").append(alerts.size() - LISTED).append(" more in this group\n");
            }
        }
        if (!message.repeatNote().isEmpty()) {
            text.append(text.isEmpty() ? "" : "\n").append("Repeated ").append(message.repeatNote());
        }
        return text.toString().strip();
    }

    /**
     * Facts shown as fields: the labels, the task, the repeat count, the fingerprint. For a grouped message, the number
     * of its alerts, and the others over its first {@link #LISTED} alerts: a label's values in the order the alerts
     * came, each once (a label that only some alerts carry shows the values of those), the tasks likewise, and the
     * fingerprints as {@code fingerprints}.
     */
    static Map<String, String> fields(Message message) {
        Map<String, LinkedHashSet<String>> values = new LinkedHashMap<>();
        LinkedHashSet<String> tasks = new LinkedHashSet<>();
        LinkedHashSet<String> fingerprints = new LinkedHashSet<>();
        List<Alert> alerts = message.alerts();
        for (Alert alert : alerts.subList(0, Math.min(LISTED, alerts.size()))) {
            alert.labels().forEach((key, value) -> {
                if (!key.equals(Pipeline.EXCLUDE_CHANNEL)) {
                    values.computeIfAbsent(key, any -> new LinkedHashSet<>()).add(value);
                }
            });
            TaskContext context = alert.context();
            if (context != null) {
                tasks.add(context.toString());
            }
            fingerprints.add(alert.fingerprint());
        }
        Map<String, String> fields = new LinkedHashMap<>();
        values.forEach((key, distinct) -> fields.put(key, String.join(", ", distinct)));
        if (!tasks.isEmpty()) {
            fields.put("task", String.join(", ", tasks));
        }
        if (!message.repeatNote().isEmpty()) {
            fields.put("repeats", message.repeatNote());
        }
        if (message.alerts().size() > 1) {
            fields.put("alerts", Integer.toString(message.alerts().size()));
        }
        fields.put(fingerprints.size() > 1 ? "fingerprints" : "fingerprint", String.join(", ", fingerprints));
        return fields;
    }

    /** One line for the log and for chat notifications. */
    static String headline(Message message) {
        return "[" + message.severity() + (message.kind() == Message.Kind.FIRING ? "" : " " + message.kind()) + "] "
                + message.title();
    }
}
