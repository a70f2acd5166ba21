package dev.ballast.outbox.inbox;

/** What the inbox does when an event's sequence number skips ahead of the highest one seen for its aggregate. */
public enum SequenceGapPolicy {
    /** Handle it and report the gap (WARN log, {@code ballast.inbox.gaps} counter, WARNING alert). The default. */
    PROCESS_AND_WARN,
    /**
     * Refuse it with {@link SequenceGapException} (so the broker redelivers it later) until the gap has been held for
     * {@code holdFor}, then handle it and report the gap. The hold is remembered in memory, per inbox instance.
     */
    HOLD
}
