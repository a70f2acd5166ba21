package dev.ballast.core;

/** Generic error codes shared by every service. */
public enum CommonErrorCode implements ErrorCode {
    /** The request is malformed or violates a validation rule. */
    INVALID_INPUT(400, "The request is invalid"),
    /** The requested resource does not exist. */
    NOT_FOUND(404, "The resource was not found"),
    /** The request conflicts with the current state. */
    CONFLICT(409, "The request conflicts with the current state"),
    /** An unexpected failure inside the service; also wraps checked exceptions escaping a task. */
    INTERNAL_ERROR(500, "An internal error occurred"),
    /** A dependency is unavailable. */
    UNAVAILABLE(503, "A dependency is unavailable");

    private final int httpStatus;
    private final String message;

    CommonErrorCode(int httpStatus, String message) {
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
