package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The generic JSON of a message (webhook body and file line), version 1; documented in docs/alerting.md. */
final class MessageJson {

    private MessageJson() {}

    static ObjectNode of(Message message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", 1);
        root.put("kind", message.kind().name());
        root.put("severity", message.severity().name());
        root.put("title", message.title());
        root.put("fingerprint", message.fingerprint());
        root.put("repeats", message.repeats());
        root.put("repeatWindowSeconds", message.repeatWindow().toSeconds());
        root.put("timestamp", message.timestamp().toString());
        if (message.instance() != null) {
            root.put("instance", message.instance());
        }
        ArrayNode alerts = root.putArray("alerts");
        for (Alert alert : message.alerts()) {
            alerts.add(alert(alert));
        }
        ArrayNode actions = root.putArray("actions");
        for (AlertAction action : message.actions()) {
            actions.addObject()
                    .put("label", action.label())
                    .put("url", action.url().toString());
        }
        return root;
    }

    private static ObjectNode alert(Alert alert) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("severity", alert.severity().name());
        node.put("title", alert.title());
        node.put("detail", alert.detail());
        node.put("fingerprint", alert.fingerprint());
        node.put("timestamp", alert.timestamp().toString());
        ObjectNode labels = node.putObject("labels");
        alert.labels().forEach((key, value) -> {
            if (!key.equals(Pipeline.EXCLUDE_CHANNEL)) {
                labels.put(key, value);
            }
        });
        TaskContext context = alert.context();
        if (context != null) {
            node.putObject("task")
                    .put("domain", context.domain())
                    .put("task", context.task())
                    .put("id", context.id());
        }
        return node;
    }
}
