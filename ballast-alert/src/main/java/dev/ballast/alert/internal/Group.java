package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import dev.ballast.alert.Route;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Messages of one route sharing the values of its group-by labels, waiting to go out as one. Dispatcher-confined. */
final class Group {

    final Route route;
    final List<String> values;
    final Instant due;
    final List<Message> messages = new ArrayList<>();

    Group(Route route, List<String> values, Instant due) {
        this.route = route;
        this.values = values;
        this.due = due;
    }

    Message merged(Instant now) {
        if (messages.size() == 1) {
            return messages.get(0);
        }
        Severity severity = Severity.INFO;
        List<Alert> alerts = new ArrayList<>();
        Set<AlertAction> actions = new LinkedHashSet<>();
        long repeats = 0;
        Duration window = Duration.ZERO;
        for (Message message : messages) {
            if (message.severity().ordinal() < severity.ordinal()) {
                severity = message.severity();
            }
            alerts.addAll(message.alerts()); // every one: the file and the webhook JSON list them all
            actions.addAll(message.actions());
            repeats += message.repeats();
            window = window.compareTo(message.repeatWindow()) < 0 ? message.repeatWindow() : window;
        }
        String where = values.isEmpty() ? "" : " (" + String.join(", ", values) + ")";
        String title =
                messages.size() + " alerts" + where + ": " + messages.get(0).title();
        if (title.length() > Alert.MAX_TITLE_LENGTH) {
            title = title.substring(0, Alert.MAX_TITLE_LENGTH - 1) + "\u2026";
        }
        return new Message(Message.Kind.FIRING, severity, title, alerts, repeats, window, List.copyOf(actions), now);
    }
}
