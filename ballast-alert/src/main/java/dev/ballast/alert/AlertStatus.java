package dev.ballast.alert;

import dev.ballast.core.alert.Alert;

/**
 * How a module says a condition has cleared: it sends an alert with the same fingerprint carrying the label {@value
 * #LABEL}{@code =}{@value #RESOLVED}. The router then sends a {@link Message.Kind#RESOLVED} message, if it sent one
 * about the condition firing. The same convention as {@link Alert#STATUS_LABEL}, for code that depends on this module.
 * Stateless.
 */
public final class AlertStatus {

    /** The label that carries the status. */
    public static final String LABEL = Alert.STATUS_LABEL;

    /** Its value for a cleared condition. */
    public static final String RESOLVED = Alert.RESOLVED;

    private AlertStatus() {}

    /** A copy of {@code firing} (same fingerprint, severity, title and labels) that reports it cleared. */
    public static Alert resolved(Alert firing) {
        Alert.Builder builder = Alert.builder(firing.severity(), firing.title())
                .detail(firing.detail())
                .fingerprint(firing.fingerprint());
        firing.labels().forEach(builder::label);
        return builder.label(LABEL, RESOLVED).build();
    }

    /** Whether {@code alert} reports a cleared condition. */
    public static boolean isResolved(Alert alert) {
        return alert.isResolved();
    }
}
