package dev.ballast.core;

import org.jspecify.annotations.Nullable;

/**
 * A failure of the service itself or of a dependency (5xx): logged at ERROR with its stack trace. {@link
 * LogicExecutor#execute} wraps checked exceptions in one with {@link CommonErrorCode#INTERNAL_ERROR}.
 */
public final class ServerException extends BallastException {

    private static final long serialVersionUID = 1L;

    /** An exception with the code's default message. */
    public ServerException(ErrorCode errorCode) {
        this(errorCode, null, null);
    }

    /** An exception with a specific detail message. */
    public ServerException(ErrorCode errorCode, @Nullable String detail) {
        this(errorCode, detail, null);
    }

    /** An exception with a detail message and a cause. */
    public ServerException(ErrorCode errorCode, @Nullable String detail, @Nullable Throwable cause) {
        super(errorCode, detail, cause);
        int status = errorCode.httpStatus();
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("ServerException needs a 5xx error code, " + errorCode.code()
                    + " has HTTP status " + status + "; use ClientException");
        }
    }

    /** Wraps a checked exception that escaped a task, keeping it as the cause. */
    public static ServerException wrapping(Throwable cause) {
        return new ServerException(
                CommonErrorCode.INTERNAL_ERROR, cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
    }
}
