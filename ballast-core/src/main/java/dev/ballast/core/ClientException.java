package dev.ballast.core;

import org.jspecify.annotations.Nullable;

/**
 * A business failure caused by the request (4xx): the executor logs it at INFO or WARN without a stack trace, and the
 * default classifier calls it {@link ErrorCategory#BUSINESS}, so it never opens a circuit or triggers a fallback.
 */
public final class ClientException extends BallastException {

    private static final long serialVersionUID = 1L;

    /** An exception with the code's default message. */
    public ClientException(ErrorCode errorCode) {
        this(errorCode, null, null);
    }

    /** An exception with a specific detail message. */
    public ClientException(ErrorCode errorCode, @Nullable String detail) {
        this(errorCode, detail, null);
    }

    /** An exception with a detail message and a cause. */
    public ClientException(ErrorCode errorCode, @Nullable String detail, @Nullable Throwable cause) {
        super(errorCode, detail, cause);
        int status = errorCode.httpStatus();
        if (status < 400 || status > 499) {
            throw new IllegalArgumentException("ClientException needs a 4xx error code, " + errorCode.code()
                    + " has HTTP status " + status + "; use ServerException");
        }
    }
}
