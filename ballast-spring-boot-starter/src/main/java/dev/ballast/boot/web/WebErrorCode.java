package dev.ballast.boot.web;

import dev.ballast.core.ErrorCode;

/**
 * The {@code code} values of the RFC 9457 problem details the starter writes for failures that are not an application
 * {@link dev.ballast.core.BallastException}. With {@link dev.ballast.core.CommonErrorCode} ({@code INVALID_INPUT},
 * {@code NOT_FOUND}, {@code CONFLICT}, {@code INTERNAL_ERROR}, {@code UNAVAILABLE}) and, for any other status, the name
 * of Spring's {@code HttpStatus} (e.g. {@code METHOD_NOT_ALLOWED}), these are every code a client can see from the
 * starter. Stable: a code never changes once published.
 */
public enum WebErrorCode implements ErrorCode {
    /**
     * The server rejected the request before any application code ran: a bad request line, an invalid or ambiguous
     * URI (an encoded {@code /}, {@code \} or NUL), matrix parameters in a path segment.
     */
    MALFORMED_REQUEST(400, "The request is malformed"),
    /** The body is not valid JSON, or a value has the wrong JSON type. */
    MALFORMED_JSON(400, "The request body is not valid JSON for this endpoint"),
    /** The JSON body has a field the endpoint does not accept. */
    UNKNOWN_FIELD(400, "The request body has a field this endpoint does not accept"),
    /**
     * A key or id the request supplied is outside the limits of the Ballast API it reached (a cache key, a lock key, an
     * outbox request or aggregate id): empty, too long or with control characters; {@code detail} names the limit.
     */
    INVALID_KEY(400, "A key or id in the request is outside the limits it must keep"),
    /** An idempotency key was used before with a different request; nothing was written. */
    IDEMPOTENCY_CONFLICT(409, "The idempotency key was already used for a different request"),
    /** A lock the request needs was held by someone else for all of its wait time; retry after {@code Retry-After}. */
    LOCK_BUSY(409, "The resource is busy, retry later"),
    /** The request body exceeds the configured limit. */
    PAYLOAD_TOO_LARGE(413, "The request body is too large"),
    /** The request line's URI exceeds the server's limit. */
    URI_TOO_LONG(414, "The request URI is too long"),
    /** The request headers exceed the server's limit. */
    HEADERS_TOO_LARGE(431, "The request headers are too large");

    private final int httpStatus;
    private final String message;

    WebErrorCode(int httpStatus, String message) {
        this.httpStatus = httpStatus;
        this.message = message;
    }

    @Override
    public String code() {
        return name();
    }

    @Override
    public int httpStatus() {
        return httpStatus;
    }

    @Override
    public String message() {
        return message;
    }
}
