package dev.ballast.boot.autoconfigure.web;

import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the web error handling, under {@code ballast.web}.
 *
 * @param problemDetails how failures become RFC 9457 problem details
 * @param rejectPathParameters whether a path with parameters (;x=1) is answered 400 MALFORMED_REQUEST instead of
 *     Spring MVC matching it without them
 * @param maxRequestBody the largest request body accepted; a larger one is answered 413 PAYLOAD_TOO_LARGE before the
 *     application reads it (declared length) or when it reads past the limit (chunked). Unset: no limit
 * @param rejectDuplicateFields whether the application's JSON mapper refuses an object that names a field twice (a
 *     request body with it is a 400 MALFORMED_JSON naming the field) instead of keeping the last value: which of the
 *     two a reader keeps differs between parsers, so a proxy or an audit log may have read the other one
 */
@ConfigurationProperties("ballast.web")
public record BallastWebProperties(
        @DefaultValue ProblemDetails problemDetails,
        @DefaultValue("true") boolean rejectPathParameters,
        @Nullable DataSize maxRequestBody,
        @DefaultValue("true") boolean rejectDuplicateFields) {

    /** Refuses a body limit that is not positive: a negative one used to switch the limit off without a word. */
    public BallastWebProperties {
        if (maxRequestBody != null && maxRequestBody.toBytes() <= 0) {
            throw InvalidBallastPropertyException.invalid(
                    "ballast.web.max-request-body",
                    maxRequestBody,
                    "must be at least 1B (leave it unset for no limit)");
        }
    }

    /**
     * Problem-details settings.
     *
     * @param enabled whether the starter maps exceptions and server-rejected requests to problem details
     * @param retryAfter the Retry-After sent with LOCK_BUSY (409) and a cache load timeout (503)
     */
    public record ProblemDetails(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("1s") Duration retryAfter) {

        public ProblemDetails {
            if (retryAfter.isNegative()) {
                throw InvalidBallastPropertyException.invalid(
                        "ballast.web.problem-details.retry-after", retryAfter, "must not be negative");
            }
        }
    }
}
