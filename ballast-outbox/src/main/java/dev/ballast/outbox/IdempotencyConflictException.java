package dev.ballast.outbox;

/**
 * The request id was appended before with different content (aggregate, event type, payload or headers). Nothing was
 * written. A client error: the caller reused an idempotency key for a different request.
 */
public final class IdempotencyConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String requestId;
    private final String existingEventId;

    public IdempotencyConflictException(String requestId, String existingEventId) {
        super("Request '" + requestId + "' was already appended as event " + existingEventId
                + " with different content; nothing was written");
        this.requestId = requestId;
        this.existingEventId = existingEventId;
    }

    /** The reused idempotency key. */
    public String requestId() {
        return requestId;
    }

    /** The event stored for it first. */
    public String existingEventId() {
        return existingEventId;
    }
}
