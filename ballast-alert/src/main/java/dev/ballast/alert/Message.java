package dev.ballast.alert;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message a channel delivers: one alert, or a group of alerts that share their route's group-by labels, with what
 * the router held back since the last message about it. Immutable and thread-safe.
 *
 * @param kind why the message is sent
 * @param severity the highest severity among {@code alerts} (for {@link Kind#RESOLVED}, the severity that fired)
 * @param title one line
 * @param alerts the alerts it is about, at least one
 * @param repeats how many times the alert repeated without a message since the previous message ({@code 0} for none)
 * @param repeatWindow over how long those repeats came ({@link Duration#ZERO} when {@code repeats} is 0)
 * @param actions links a person can follow; operations already signed into links
 * @param timestamp when the router produced the message
 * @param instance the name of the instance whose router sent the message ({@link AlertRouter.Builder#instance}), so
 *     that two instances' messages about one condition can be told apart; with deduplication across instances, the
 *     one whose claim won (its repeat count covers every instance's repeats); {@code null} when the router was given
 *     no name
 */
public record Message(
        Kind kind,
        Severity severity,
        String title,
        List<Alert> alerts,
        long repeats,
        Duration repeatWindow,
        List<AlertAction> actions,
        Instant timestamp,
        @Nullable String instance) {

    /** Why a message is sent. */
    public enum Kind {
        /** A condition started (or a deduplicated one is still there after the window). */
        FIRING,
        /** A condition that was reported has cleared. */
        RESOLVED,
        /** A condition keeps changing between firing and resolved; the router is quiet about it until it settles. */
        FLAPPING,
        /** A flapping condition has settled. */
        STABLE,
        /** The router is alive. */
        HEARTBEAT
    }

    /** A message that names no instance. */
    public Message(
            Kind kind,
            Severity severity,
            String title,
            List<Alert> alerts,
            long repeats,
            Duration repeatWindow,
            List<AlertAction> actions,
            Instant timestamp) {
        this(kind, severity, title, alerts, repeats, repeatWindow, actions, timestamp, null);
    }

    /** Validates and copies. */
    public Message {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(repeatWindow, "repeatWindow");
        Objects.requireNonNull(timestamp, "timestamp");
        alerts = List.copyOf(alerts);
        actions = List.copyOf(actions);
        if (alerts.isEmpty()) {
            throw new IllegalArgumentException("A message is about at least one alert");
        }
    }

    /** This message as sent by the instance named {@code name}. */
    public Message from(String name) {
        return new Message(kind, severity, title, alerts, repeats, repeatWindow, actions, timestamp, name);
    }

    /** The first (for a single alert, the only) alert. */
    public Alert first() {
        return alerts.get(0);
    }

    /** The fingerprint of the first alert. */
    public String fingerprint() {
        return first().fingerprint();
    }

    /** The labels of the first alert. */
    public Map<String, String> labels() {
        return first().labels();
    }

    /** "×37 in 5 min" when the alert repeated since the last message, otherwise empty. */
    public String repeatNote() {
        if (repeats <= 0) {
            return "";
        }
        long minutes = repeatWindow.toMinutes();
        String span = minutes >= 1 ? minutes + " min" : Math.max(1, repeatWindow.toSeconds()) + " s";
        return "\u00d7" + repeats + " in " + span;
    }
}
