package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Discord webhook execution body: short content, one embed, link buttons. Discord's limits (content 2,000, title
 * 256, description 4,096, 25 fields of 256/1,024, footer 2,048, 6,000 in all; 5 buttons per row, 5 rows, labels 80,
 * links 512) are met by cutting with a marker, never by failing. Thread-safe.
 */
public final class DiscordFormat implements WebhookFormat {

    static final int CONTENT = 2_000;
    static final int TITLE = 256;
    static final int DESCRIPTION = 4_096;
    static final int FIELDS = 25;
    static final int FIELD_NAME = 256;
    static final int FIELD_VALUE = 1_024;
    static final int EMBED_TOTAL = 6_000;
    static final int BUTTONS_PER_ROW = 5;
    static final int ROWS = 5;
    static final int BUTTON_LABEL = 80;
    static final int BUTTON_URL = 512;

    /** Red, orange, blue; green for resolved. */
    static int colour(Message message) {
        if (message.kind() == Message.Kind.RESOLVED) {
            return 0x2ECC71;
        }
        return message.severity() == Severity.CRITICAL
                ? 0xE74C3C
                : message.severity() == Severity.WARNING ? 0xE67E22 : 0x3498DB;
    }

    @Override
    public byte[] body(Message message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("content", MessageText.cut(MessageText.headline(message), CONTENT));
        ObjectNode embed = root.putArray("embeds").addObject();
        String title = MessageText.cut(message.title(), TITLE);
        embed.put("title", title);
        embed.put("color", colour(message));
        embed.put("timestamp", message.timestamp().toString());
        int used = title.length();
        used += fields(embed.putArray("fields"), MessageText.fields(message));
        String footer = "ballast \u00b7 " + message.kind().name().toLowerCase(java.util.Locale.ROOT)
                + (message.instance() == null ? "" : " \u00b7 " + message.instance());
        embed.putObject("footer").put("text", footer);
        used += footer.length();
        String links = markdownLinks(message.actions());
        String detail = MessageText.detail(message);
        String description = detail.isEmpty() ? links : links.isEmpty() ? detail : detail + "\n\n" + links;
        int room = Math.max(0, Math.min(DESCRIPTION, EMBED_TOTAL - used));
        embed.put("description", MessageText.cut(description, room));
        buttons(root, message.actions());
        return Json.MAPPER.writeValueAsBytes(root);
    }

    private static int fields(ArrayNode array, Map<String, String> fields) {
        int used = 0;
        int count = 0;
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (count == FIELDS) {
                break;
            }
            String name = MessageText.cut(field.getKey(), FIELD_NAME);
            String value = MessageText.cut(field.getValue().isEmpty() ? "-" : field.getValue(), FIELD_VALUE);
            if (used + name.length() + value.length() > EMBED_TOTAL - 2 * FIELD_VALUE) {
                break; // leave room for the description
            }
            array.addObject().put("name", name).put("value", value).put("inline", value.length() <= 40);
            used += name.length() + value.length();
            count++;
        }
        return used;
    }

    private static String markdownLinks(List<AlertAction> actions) {
        StringBuilder text = new StringBuilder();
        for (AlertAction action : actions) {
            text.append(text.isEmpty() ? "" : " \u00b7 ")
                    .append('[')
                    .append(action.label().replace("]", ")"))
                    .append("](")
                    .append(action.url())
                    .append(')');
        }
        return text.toString();
    }

    private static void buttons(ObjectNode root, List<AlertAction> actions) {
        if (actions.isEmpty()) {
            return;
        }
        ArrayNode rows = root.putArray("components");
        ArrayNode row = null;
        int index = 0;
        for (AlertAction action : actions) {
            String url = action.url().toString();
            if (url.length() > BUTTON_URL) {
                continue; // stays in the markdown fallback
            }
            if (row == null || index % BUTTONS_PER_ROW == 0) {
                if (rows.size() == ROWS) {
                    break;
                }
                row = rows.addObject().put("type", 1).putArray("components");
            }
            row.addObject()
                    .put("type", 2)
                    .put("style", 5)
                    .put("label", MessageText.cut(action.label(), BUTTON_LABEL))
                    .put("url", url);
            index++;
        }
    }
}
