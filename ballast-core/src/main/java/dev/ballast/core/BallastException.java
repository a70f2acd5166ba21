package dev.ballast.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Base of the Ballast error model: an exception that carries an {@link ErrorCode}. */
public abstract sealed class BallastException extends RuntimeException permits ClientException, ServerException {

    private static final long serialVersionUID = 1L;

    private final transient ErrorCode errorCode;

    BallastException(ErrorCode errorCode, @Nullable String detail, @Nullable Throwable cause) {
        super(detail == null ? errorCode.message() : detail);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
        if (cause != null) {
            initCause(cause); // left unset otherwise, so a translator's result can still get the original as cause
        }
    }

    /** The error this exception reports. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    /** The HTTP status of {@link #errorCode()}. */
    public int httpStatus() {
        return errorCode.httpStatus();
    }
}
