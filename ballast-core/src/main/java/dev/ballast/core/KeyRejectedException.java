package dev.ballast.core;

/**
 * A key or id given to a Ballast API is outside its limits: empty, longer than the API takes, or with control
 * characters (a cache key, a lock key, an outbox request id, aggregate id or type). The message names the limit and,
 * for a control character, its index, never the key itself.
 *
 * <p>Such keys usually come from a request, so the default classifier calls this {@link ErrorCategory#BUSINESS} (no
 * fallback, no breaker, no stack trace in the task's log) and the starter answers it with 400 and the code {@code
 * INVALID_KEY}. A {@code null} key stays an {@link IllegalArgumentException} or {@link NullPointerException}: that is a
 * bug in the caller, not input.
 */
public final class KeyRejectedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** A rejection saying which limit {@code message} broke. */
    public KeyRejectedException(String message) {
        super(message);
    }
}
