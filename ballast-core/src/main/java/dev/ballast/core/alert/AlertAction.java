package dev.ballast.core.alert;

import java.net.URI;
import java.util.Objects;

/**
 * A link a person can follow from an alert: a runbook, a dashboard, a replay endpoint.
 *
 * @param label short text shown on the button or link, 1 to 80 characters
 * @param url absolute http or https address
 */
public record AlertAction(String label, URI url) {

    /** Validates label and url. */
    public AlertAction {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(url, "url");
        if (label.isBlank() || label.length() > 80) {
            throw new IllegalArgumentException("Alert action label must be 1 to 80 characters, was '" + label + "'");
        }
        String scheme = url.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException(
                    "Alert action url must be an absolute http(s) address, was scheme '" + scheme + "'");
        }
    }
}
