package dev.ballast.alert;

import dev.ballast.core.alert.Alert;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Mutes alerts until {@code expiresAt}: an alert is silenced when every matcher holds. A matcher's key is a label name,
 * or {@code severity}, or {@code fingerprint}; its value must equal the alert's. Immutable and thread-safe.
 *
 * @param id unique id, given by {@link Silences#add}
 * @param matchers what must all hold, at least one
 * @param expiresAt when the silence ends
 * @param createdBy who asked for it
 * @param comment why
 */
public record Silence(String id, Map<String, String> matchers, Instant expiresAt, String createdBy, String comment) {

    /** Validates and copies. */
    public Silence {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(createdBy, "createdBy");
        Objects.requireNonNull(comment, "comment");
        matchers = Map.copyOf(matchers);
        if (matchers.isEmpty()) {
            throw new IllegalArgumentException("A silence needs at least one matcher; it would mute everything");
        }
    }

    /** Whether this silence mutes {@code alert} at {@code now}. */
    public boolean mutes(Alert alert, Instant now) {
        if (!now.isBefore(expiresAt)) {
            return false;
        }
        for (Map.Entry<String, String> matcher : matchers.entrySet()) {
            if (!matcher.getValue().equals(valueOf(alert, matcher.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static @Nullable String valueOf(Alert alert, String key) {
        return switch (key) {
            case "severity" -> alert.severity().name();
            case "fingerprint" -> alert.fingerprint();
            default -> alert.labels().get(key);
        };
    }
}
