package dev.ballast.outbox;

/** What the relay does with the rest of an aggregate when one of its events goes to the dead-letter table. */
public enum HeadOfLinePolicy {
    /**
     * Later events of the aggregate wait until the dead letter is replayed or discarded (order is never broken). The
     * default.
     */
    BLOCK,
    /** Later events of the aggregate continue; the dead letter records that it was skipped. */
    SKIP
}
