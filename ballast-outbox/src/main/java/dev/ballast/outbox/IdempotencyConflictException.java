package dev.ballast.outbox;

import org.jspecify.annotations.Nullable;

/**
 * The request id was appended before with different content (aggregate, event type, payload or headers), or executed
 * before by {@link Outbox#executeOnce} with a different request. Nothing was written. A client error: the caller reused an idempotency key for a different request.
 */
public final class IdempotencyConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String requestId;
    private final @Nullable String existingEventId;

    /** An event append whose request id was appended before as {@code existingEventId} with other content. */
    public IdempotencyConflictException(String requestId, String existingEventId) {
        super("Request '" + requestId + "' was already appended as event " + existingEventId
                + " with different content; nothing was written");
        this.requestId = requestId;
        this.existingEventId = existingEventId;
    }

    /** A command ({@link Outbox#executeOnce}) whose request id was executed before with another request. */
    public IdempotencyConflictException(String requestId) {
        super("Request '" + requestId + "' was already executed with a different request; nothing was written");
        this.requestId = requestId;
        this.existingEventId = null;
    }

    /** The reused idempotency key. */
    public String requestId() {
        return requestId;
    }

    /** The event stored for it first; null when the conflict was a command's. */
    public @Nullable String existingEventId() {
        return existingEventId;
    }
}
