package dev.ballast.outbox;

/** Why an event went to the dead-letter table. */
public enum DeadLetterReason {
    /** The stored bytes no longer match the content hash taken at append: corrupted or tampered; never published. */
    INTEGRITY_VIOLATION,
    /** Publishing failed on every allowed attempt (or the relay died with it that often). */
    MAX_ATTEMPTS
}
