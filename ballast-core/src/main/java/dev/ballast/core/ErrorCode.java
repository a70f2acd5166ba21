package dev.ballast.core;

/**
 * A stable, documented error: a machine-readable {@link #code()}, the HTTP status it maps to and a default message.
 * Implement it with an enum per service; {@link CommonErrorCode} has the generic ones.
 */
public interface ErrorCode {
    /** Stable identifier, e.g. {@code ORDER_LIMIT_EXCEEDED}; never changes once published. */
    String code();

    /** HTTP status this error maps to: 4xx for {@link ClientException}, 5xx for {@link ServerException}. */
    int httpStatus();

    /** Default human-readable message. */
    String message();
}
