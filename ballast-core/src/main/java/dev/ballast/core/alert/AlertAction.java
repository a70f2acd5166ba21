package dev.ballast.core.alert;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Something a person can do from an alert: follow a link (a runbook, a dashboard) or run an operation of the service
 * (replay dead letters, raise a pool). An operation is written as a {@code ballast-action:} address naming the
 * operation and its arguments; ballast-alert turns it into a signed link to the service, or leaves it out when signed
 * actions are off. Immutable and thread-safe.
 *
 * @param label short text shown on the button or link, 1 to 80 characters
 * @param url absolute http or https address, or a {@code ballast-action:} operation (see {@link #operation})
 */
public record AlertAction(String label, URI url) {

    /** The scheme of operation addresses. */
    public static final String OPERATION_SCHEME = "ballast-action";

    /** Validates label and url. */
    public AlertAction {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(url, "url");
        if (label.isBlank() || label.length() > 80) {
            throw new IllegalArgumentException("Alert action label must be 1 to 80 characters, was '" + label + "'");
        }
        String scheme = url.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme) && !OPERATION_SCHEME.equals(scheme)) {
            throw new IllegalArgumentException(
                    "Alert action url must be an absolute http(s) address, was scheme '" + scheme + "'");
        }
    }

    /**
     * An operation of the service: {@code operation} (letters, digits, {@code .}, {@code _}, {@code -}, 1 to 64) with
     * string arguments.
     */
    public static AlertAction operation(String label, String operation, Map<String, String> arguments) {
        Objects.requireNonNull(operation, "operation");
        if (!operation.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("Alert action operation must be 1 to 64 letters, digits, '.', '_' or"
                    + " '-', was '" + operation + "'");
        }
        StringJoiner query = new StringJoiner("&");
        new TreeMap<>(arguments).forEach((key, value) -> query.add(encode(key) + "=" + encode(value)));
        String text = OPERATION_SCHEME + ":" + operation + (arguments.isEmpty() ? "" : "?" + query);
        return new AlertAction(label, URI.create(text));
    }

    /** Whether this is an operation rather than a link. */
    public boolean isOperation() {
        return OPERATION_SCHEME.equals(url.getScheme());
    }

    /** The operation's name; only for {@link #isOperation() operations}. */
    public String operationName() {
        requireOperation();
        String part = url.getRawSchemeSpecificPart();
        int query = part.indexOf('?');
        return query < 0 ? part : part.substring(0, query);
    }

    /** The operation's arguments, sorted by name; only for {@link #isOperation() operations}. */
    public Map<String, String> arguments() {
        requireOperation();
        String part = url.getRawSchemeSpecificPart();
        int query = part.indexOf('?');
        Map<String, String> arguments = new LinkedHashMap<>();
        if (query >= 0) {
            for (String pair : part.substring(query + 1).split("&")) {
                int equals = pair.indexOf('=');
                arguments.put(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
            }
        }
        return arguments;
    }

    private void requireOperation() {
        if (!isOperation()) {
            throw new IllegalStateException("Alert action '" + label + "' is a link, not an operation");
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
