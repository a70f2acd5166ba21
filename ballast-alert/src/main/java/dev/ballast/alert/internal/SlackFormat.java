package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import dev.ballast.core.alert.AlertAction;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Slack incoming-webhook body in Block Kit: header, section with fields, context, actions with URL buttons. Slack's
 * limits (header 150, section text 3,000, 10 fields of 2,000, 25 buttons with 75-character labels and 3,000-character
 * links) are met by cutting with a marker. Thread-safe.
 */
public final class SlackFormat implements WebhookFormat {

    static final int HEADER = 150;
    static final int TEXT = 3_000;
    static final int FIELDS = 10;
    static final int FIELD = 2_000;
    static final int BUTTONS = 25;
    static final int BUTTON_LABEL = 75;
    static final int BUTTON_URL = 3_000;

    @Override
    public byte[] body(Message message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("text", MessageText.cut(MessageText.headline(message), TEXT));
        ArrayNode blocks = root.putArray("blocks");
        blocks.addObject()
                .put("type", "header")
                .putObject("text")
                .put("type", "plain_text")
                .put("text", MessageText.cut(MessageText.headline(message), HEADER));
        ObjectNode section = blocks.addObject().put("type", "section");
        String detail = MessageText.detail(message);
        section.putObject("text")
                .put("type", "mrkdwn")
                .put("text", MessageText.cut(detail.isEmpty() ? " " : detail, TEXT));
        ArrayNode fields = section.putArray("fields");
        for (Map.Entry<String, String> field : MessageText.fields(message).entrySet()) {
            if (fields.size() == FIELDS) {
                break;
            }
            String text = "*" + field.getKey() + "*\n" + field.getValue();
            fields.addObject().put("type", "mrkdwn").put("text", MessageText.cut(text, FIELD));
        }
        blocks.addObject()
                .put("type", "context")
                .putArray("elements")
                .addObject()
                .put("type", "mrkdwn")
                .put(
                        "text",
                        message.severity() + " \u00b7 " + message.kind() + " \u00b7 " + message.timestamp()
                                + (message.instance() == null ? "" : " \u00b7 " + message.instance()));
        if (!message.actions().isEmpty()) {
            ArrayNode elements = blocks.addObject().put("type", "actions").putArray("elements");
            for (AlertAction action : message.actions()) {
                String url = action.url().toString();
                if (elements.size() == BUTTONS || url.length() > BUTTON_URL) {
                    continue;
                }
                ObjectNode button = elements.addObject().put("type", "button");
                button.putObject("text")
                        .put("type", "plain_text")
                        .put("text", MessageText.cut(action.label(), BUTTON_LABEL));
                button.put("url", url);
            }
        }
        return Json.MAPPER.writeValueAsBytes(root);
    }
}
