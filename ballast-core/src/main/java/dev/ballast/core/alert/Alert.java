package dev.ballast.core.alert;

import dev.ballast.core.TaskContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Something a person should know about. Immutable; build one with {@link #builder(Severity, String)}.
 *
 * @param severity how urgent
 * @param title one line, 1 to 200 characters
 * @param detail free text, possibly empty
 * @param context the task that raised it, if any
 * @param fingerprint identity for deduplication: alerts with equal fingerprints are the same problem
 * @param labels low-cardinality facts for routing and grouping (e.g. {@code module=cache})
 * @param actions links a person can follow
 * @param timestamp when it was raised
 */
public record Alert(
        Severity severity,
        String title,
        String detail,
        @Nullable TaskContext context,
        String fingerprint,
        Map<String, String> labels,
        List<AlertAction> actions,
        Instant timestamp) {

    /** Longest title accepted. */
    public static final int MAX_TITLE_LENGTH = 200;

    /**
     * The label by which a raiser says a condition has cleared: it sends the firing alert again (same severity,
     * fingerprint and title) with {@value #STATUS_LABEL}{@code =}{@value #RESOLVED}, for example through {@link
     * #resolved(String)}. A router then tells the people it told about the condition that it is over, instead of
     * counting the alert as one more repeat.
     */
    public static final String STATUS_LABEL = "status";

    /** The {@link #STATUS_LABEL} value of an alert that reports its condition cleared. */
    public static final String RESOLVED = "resolved";

    /**
     * The label by which a raiser says a person made the condition on purpose ({@value #CAUSE_LABEL}{@code =}{@value
     * #BY_OPERATOR}: an operator held a cache's breaker open, moved locks to the database). A router does not count
     * such a condition's start and end as flapping: an operator's hold and release soon after an outage of the same
     * fingerprint would otherwise suppress the release's message.
     */
    public static final String CAUSE_LABEL = "cause";

    /** The {@link #CAUSE_LABEL} value of a condition an operator made. */
    public static final String BY_OPERATOR = "operator";

    /** Validates and copies. */
    public Alert {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(timestamp, "timestamp");
        if (title.isBlank() || title.length() > MAX_TITLE_LENGTH) {
            throw new IllegalArgumentException(
                    "Alert title must be 1 to " + MAX_TITLE_LENGTH + " characters, was " + title.length());
        }
        if (fingerprint.isBlank()) {
            throw new IllegalArgumentException("Alert fingerprint must not be blank");
        }
        labels = Map.copyOf(labels);
        actions = List.copyOf(actions);
    }

    /**
     * This alert's resolved form: the same severity, title, fingerprint, labels and task, with {@code detail} (what
     * is true now), no actions, the current time and {@value #STATUS_LABEL}{@code =}{@value #RESOLVED}.
     */
    public Alert resolved(String detail) {
        Map<String, String> cleared = new LinkedHashMap<>(labels);
        cleared.put(STATUS_LABEL, RESOLVED);
        return new Alert(severity, title, detail, context, fingerprint, cleared, List.of(), Instant.now());
    }

    /** Whether this alert reports its condition cleared ({@value #STATUS_LABEL}{@code =}{@value #RESOLVED}). */
    public boolean isResolved() {
        return RESOLVED.equals(labels.get(STATUS_LABEL));
    }

    /** Whether a person made this condition on purpose ({@value #CAUSE_LABEL}{@code =}{@value #BY_OPERATOR}). */
    public boolean isByOperator() {
        return BY_OPERATOR.equals(labels.get(CAUSE_LABEL));
    }

    /** A builder for an alert with the given severity and title. */
    public static Builder builder(Severity severity, String title) {
        return new Builder(severity, title);
    }

    /** Builds an {@link Alert}; not thread-safe. */
    public static final class Builder {
        private final Severity severity;
        private final String title;
        private String detail = "";
        private @Nullable TaskContext context;
        private @Nullable String fingerprint;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final List<AlertAction> actions = new ArrayList<>();
        private @Nullable Instant timestamp;

        private Builder(Severity severity, String title) {
            this.severity = Objects.requireNonNull(severity, "severity");
            this.title = Objects.requireNonNull(title, "title");
        }

        /** Free-text detail. */
        public Builder detail(String detail) {
            this.detail = Objects.requireNonNull(detail, "detail");
            return this;
        }

        /** The task that raised the alert. */
        public Builder context(TaskContext context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Identity for deduplication; defaults to severity, title, domain and task. */
        public Builder fingerprint(String fingerprint) {
            this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
            return this;
        }

        /** Adds a label. */
        public Builder label(String key, String value) {
            labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds an action link. */
        public Builder action(AlertAction action) {
            actions.add(Objects.requireNonNull(action, "action"));
            return this;
        }

        /** When the alert was raised; now unless set. */
        public Builder timestamp(Instant timestamp) {
            this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
            return this;
        }

        /** The alert. */
        public Alert build() {
            String print = fingerprint != null ? fingerprint : defaultFingerprint();
            return new Alert(
                    severity,
                    title,
                    detail,
                    context,
                    print,
                    labels,
                    actions,
                    timestamp != null ? timestamp : Instant.now());
        }

        private String defaultFingerprint() {
            TaskContext task = context;
            String where = task == null ? "" : "|" + task.domain() + "|" + task.task();
            return severity + "|" + title + where;
        }
    }
}
