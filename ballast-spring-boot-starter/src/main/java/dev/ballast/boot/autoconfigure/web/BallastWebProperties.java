package dev.ballast.boot.autoconfigure.web;

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
 */
@ConfigurationProperties("ballast.web")
public record BallastWebProperties(
        @DefaultValue ProblemDetails problemDetails,
        @DefaultValue("true") boolean rejectPathParameters,
        @Nullable DataSize maxRequestBody) {

    /**
     * Problem-details settings.
     *
     * @param enabled whether the starter maps exceptions and server-rejected requests to problem details
     * @param retryAfter the Retry-After sent with LOCK_BUSY (409) and a cache load timeout (503)
     */
    public record ProblemDetails(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("1s") Duration retryAfter) {}
}
