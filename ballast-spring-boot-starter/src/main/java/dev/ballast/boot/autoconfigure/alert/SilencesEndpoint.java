package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.Silence;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/ballastsilences}: list the router's silences (GET), add one (POST {@code matchers} as {@code
 * key=value,key=value}, {@code duration} such as {@code 2h}, {@code createdBy}, {@code comment}), end one (DELETE
 * {@code /{id}}). Expose it like any endpoint ({@code management.endpoints.web.exposure.include}); adding and ending
 * need {@code management.endpoint.ballastsilences.access=unrestricted} (the starter's default is read-only).
 */
@Endpoint(id = "ballastsilences")
final class SilencesEndpoint {

    private static final Logger audit = LoggerFactory.getLogger("ballast.alert.audit");
    private static final int MAX_MATCHERS = 20;
    private static final int MAX_VALUE = 200;
    private static final int MAX_NAME = 80;
    private static final int MAX_COMMENT = 1_000;

    private final AlertRouter router;

    SilencesEndpoint(AlertRouter router) {
        this.router = router;
    }

    @ReadOperation
    List<Silence> silences() {
        return router.silences().active();
    }

    /**
     * Adds a silence; input it cannot take is a 400 problem ({@code INVALID_INPUT}) naming why, not a 500: a matcher
     * that is not {@code key=value} or repeats a key, a severity that is none of the three, more than 20 matchers,
     * values over 200 characters, a {@code createdBy} that is blank, over 80 characters or not printable, a comment
     * over 1,000 characters. Logged at INFO on {@code ballast.alert.audit}: muting alerts is worth a trail.
     */
    @WriteOperation
    Silence add(String matchers, String duration, String createdBy, @Nullable String comment) {
        try {
            Map<String, String> parsed = new LinkedHashMap<>();
            String[] pairs = matchers.split(",");
            if (pairs.length > MAX_MATCHERS) {
                throw new IllegalArgumentException("At most " + MAX_MATCHERS + " matchers, got " + pairs.length);
            }
            for (String pair : pairs) {
                int equals = pair.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("Matcher '" + cut(pair) + "' is not key=value");
                }
                String key = pair.substring(0, equals).trim();
                String value = pair.substring(equals + 1).trim();
                if (key.length() > MAX_VALUE || value.length() > MAX_VALUE) {
                    throw new IllegalArgumentException(
                            "Matcher '" + cut(pair) + "' is longer than " + MAX_VALUE + " characters");
                }
                if (key.equals("severity")) {
                    value = severity(value);
                }
                if (parsed.putIfAbsent(key, value) != null) {
                    throw new IllegalArgumentException("Matcher key '" + cut(key) + "' is given twice");
                }
            }
            String by = createdBy.strip();
            if (by.isEmpty() || by.length() > MAX_NAME || !ActionsEndpoint.printable(by)) {
                throw new IllegalArgumentException("createdBy must be 1 to " + MAX_NAME + " printable characters");
            }
            String why = comment == null ? "" : comment.strip();
            if (why.length() > MAX_COMMENT) {
                throw new IllegalArgumentException("comment must be at most " + MAX_COMMENT + " characters");
            }
            Silence silence = router.silences().add(parsed, parse(duration), by, why);
            audit.info(
                    "Silence {} added by {} until {} for {}: {}", silence.id(), by, silence.expiresAt(), parsed, why);
            return silence;
        } catch (IllegalArgumentException e) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, e.getMessage());
        }
    }

    /** Ends a silence; an id no silence in force has is a 404 problem ({@code NOT_FOUND}). */
    @DeleteOperation
    Map<String, Object> expire(@Selector String id) {
        Silence ended = router.silences().active().stream()
                .filter(silence -> silence.id().equals(id))
                .findFirst()
                .orElse(null);
        if (ended == null || !router.silences().expire(id)) {
            throw new ClientException(CommonErrorCode.NOT_FOUND, "No silence '" + cut(id) + "' is in force");
        }
        audit.info(
                "Silence {} for {} (added by {}, until {}) ended through the actuator",
                id,
                ended.matchers(),
                ended.createdBy(),
                ended.expiresAt());
        return Map.of("id", id, "expired", true);
    }

    private static String severity(String value) {
        for (Severity severity : Severity.values()) {
            if (severity.name().equalsIgnoreCase(value)) {
                return severity.name();
            }
        }
        throw new IllegalArgumentException(
                "Severity '" + cut(value) + "' is none of " + java.util.Arrays.toString(Severity.values()));
    }

    private static String cut(String text) {
        return text.length() <= MAX_NAME ? text : text.substring(0, MAX_NAME) + "…";
    }

    private static Duration parse(String text) {
        try {
            return org.springframework.boot.convert.DurationStyle.detectAndParse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Duration '" + text + "' is not like 30m, 2h or PT2H");
        }
    }
}
