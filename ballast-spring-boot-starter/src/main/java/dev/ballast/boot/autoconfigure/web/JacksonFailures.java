package dev.ballast.boot.autoconfigure.web;

import dev.ballast.boot.web.WebErrorCode;
import dev.ballast.core.ErrorCode;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidNullException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.PropertyBindingException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Says what was wrong with an unreadable JSON body, without echoing the input or naming Java types. Loaded only when
 * Jackson 3 is on the class path.
 */
final class JacksonFailures {

    private JacksonFailures() {}

    /** Code and detail for a body Jackson refused, or null if no Jackson failure is in the cause chain. */
    static @Nullable Described describe(Throwable failure) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 16; depth++) {
            if (current instanceof UnrecognizedPropertyException unknown) {
                return new Described(
                        WebErrorCode.UNKNOWN_FIELD,
                        "unknown field '" + Problems.shown(path(unknown, unknown.getPropertyName())) + "'");
            }
            if (current instanceof PropertyBindingException binding) {
                return new Described(
                        WebErrorCode.UNKNOWN_FIELD,
                        "field '" + Problems.shown(path(binding, binding.getPropertyName())) + "' is not accepted");
            }
            if (current instanceof StreamReadException syntax) {
                String duplicate = duplicateName(syntax);
                return new Described(
                        WebErrorCode.MALFORMED_JSON,
                        duplicate == null
                                ? "the body is not valid JSON" + at(syntax)
                                : "field '" + Problems.shown(duplicate) + "' appears more than once" + at(syntax));
            }
            if (current instanceof MismatchedInputException mismatch
                    && !mismatch.getPath().isEmpty()
                    && missing(mismatch)) {
                return new Described(
                        WebErrorCode.MALFORMED_JSON,
                        "field '" + Problems.shown(path(mismatch, null)) + "' is missing or null");
            }
            if (current instanceof JacksonException jackson
                    && !jackson.getPath().isEmpty()) {
                return new Described(
                        WebErrorCode.MALFORMED_JSON,
                        "field '" + Problems.shown(path(jackson, null)) + "' has a value of the wrong type or format");
            }
            if (current instanceof JacksonException jackson) {
                return new Described(
                        WebErrorCode.MALFORMED_JSON, "the body does not have the expected JSON shape" + at(jackson));
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return null;
    }

    /**
     * The name a body gave twice in one object ({@code StreamReadFeature.STRICT_DUPLICATE_DETECTION}, which the starter
     * enables: which of the two a reader keeps differs between parsers), or null for another syntax error. Jackson says
     * so only in its message, whose wording this follows.
     */
    private static @Nullable String duplicateName(StreamReadException syntax) {
        String message = syntax.getOriginalMessage();
        String prefix = "Duplicate Object property \"";
        if (message == null || !message.startsWith(prefix)) {
            return null;
        }
        int end = message.indexOf('"', prefix.length());
        return end < 0 ? null : message.substring(prefix.length(), end);
    }

    /**
     * Whether Jackson refused a field for having no value: left out or null where a primitive (or, with {@code
     * FAIL_ON_MISSING_CREATOR_PROPERTIES} / {@code FAIL_ON_NULL_CREATOR_PROPERTIES}, any creator property) needs one.
     * Jackson says so only in its message, whose wording these prefixes follow.
     */
    private static boolean missing(MismatchedInputException mismatch) {
        if (mismatch instanceof InvalidNullException) {
            return true;
        }
        String message = mismatch.getOriginalMessage();
        return message != null
                && (message.startsWith("Cannot map `null` into type")
                        || message.startsWith("Missing required creator property")
                        || message.startsWith("Null value for creator property"));
    }

    /** Dotted path of the field, e.g. {@code legs[0].price}; the last name is {@code last} when given. */
    private static String path(JacksonException failure, @Nullable String last) {
        List<JacksonException.Reference> path = failure.getPath();
        StringBuilder dotted = new StringBuilder();
        for (int i = 0; i < path.size(); i++) {
            JacksonException.Reference reference = path.get(i);
            if (reference.getPropertyName() != null) {
                if (!dotted.isEmpty()) {
                    dotted.append('.');
                }
                dotted.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                dotted.append('[').append(reference.getIndex()).append(']');
            }
        }
        if (last != null && (path.isEmpty() || !last.equals(path.getLast().getPropertyName()))) {
            dotted.append(dotted.isEmpty() ? "" : ".").append(last);
        }
        return dotted.isEmpty() ? "?" : dotted.toString();
    }

    private static String at(JacksonException failure) {
        TokenStreamLocation location = failure.getLocation();
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** What the client is told. */
    record Described(ErrorCode code, String detail) {}
}
