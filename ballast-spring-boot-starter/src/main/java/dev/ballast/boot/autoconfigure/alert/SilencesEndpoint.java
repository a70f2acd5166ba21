package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.Silence;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/ballastsilences}: list the router's silences (GET), add one (POST {@code matchers} as {@code
 * key=value,key=value}, {@code duration} such as {@code 2h}, {@code createdBy}, {@code comment}), end one (DELETE
 * {@code /{id}}). Expose it like any endpoint ({@code management.endpoints.web.exposure.include}).
 */
@Endpoint(id = "ballastsilences")
final class SilencesEndpoint {

    private final AlertRouter router;

    SilencesEndpoint(AlertRouter router) {
        this.router = router;
    }

    @ReadOperation
    List<Silence> silences() {
        return router.silences().active();
    }

    /** Adds a silence; input it cannot take is a 400 problem ({@code INVALID_INPUT}) naming why, not a 500. */
    @WriteOperation
    Silence add(String matchers, String duration, String createdBy, @Nullable String comment) {
        try {
            Map<String, String> parsed = new LinkedHashMap<>();
            for (String pair : matchers.split(",")) {
                int equals = pair.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("Matcher '" + pair + "' is not key=value");
                }
                parsed.put(
                        pair.substring(0, equals).trim(),
                        pair.substring(equals + 1).trim());
            }
            return router.silences().add(parsed, parse(duration), createdBy, comment == null ? "" : comment);
        } catch (IllegalArgumentException e) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, e.getMessage());
        }
    }

    @DeleteOperation
    Map<String, Object> expire(@Selector String id) {
        return Map.of("id", id, "expired", router.silences().expire(id));
    }

    private static Duration parse(String text) {
        try {
            return org.springframework.boot.convert.DurationStyle.detectAndParse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Duration '" + text + "' is not like 30m, 2h or PT2H");
        }
    }
}
