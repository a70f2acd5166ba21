package dev.ballast.cache;

import org.jspecify.annotations.Nullable;

/** A cache operation failed for a reason the caller must hear about (never for an L2 outage, which degrades). */
public class CacheException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public CacheException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public CacheException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
