package dev.ballast.lock;

/**
 * The lock backend itself failed (database or Redis unreachable, timeout): an infrastructure failure, as opposed to the
 * lock being busy. The cause is the backend's exception, so {@link dev.ballast.core.ExceptionClassifier#defaults()}
 * classifies it as infrastructure.
 */
public final class LockBackendException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The backend failed while doing {@code operation} on {@code key}. */
    public LockBackendException(String backend, String operation, String key, Throwable cause) {
        super(backend + " lock backend failed to " + operation + " '" + key + "': " + cause.getMessage(), cause);
    }
}
