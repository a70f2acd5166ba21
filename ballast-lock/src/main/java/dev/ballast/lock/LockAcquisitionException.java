package dev.ballast.lock;

import java.time.Duration;

/** The lock was not acquired within the wait time. Thrown by {@link LockStrategy}; a business-level outcome. */
public final class LockAcquisitionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final transient Duration waitTime;

    /** The lock on {@code key} was busy for all of {@code waitTime}. */
    public LockAcquisitionException(String key, Duration waitTime) {
        super("Lock '" + key + "' not acquired within " + waitTime.toMillis() + " ms");
        this.key = key;
        this.waitTime = waitTime;
    }

    /** The key that could not be locked. */
    public String key() {
        return key;
    }

    /** How long the caller waited. */
    public Duration waitTime() {
        return waitTime;
    }
}
