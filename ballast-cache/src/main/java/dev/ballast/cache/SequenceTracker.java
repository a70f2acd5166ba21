package dev.ballast.cache;

/**
 * Detects lost invalidations. Every invalidation of a cache carries the next value of one Redis counter; this instance
 * remembers the last value it saw. A message whose number is not the next one means messages were lost (or the counter
 * was reset by a Redis restart that lost data). A periodic read of the counter catches losses that no later message
 * reveals: a number the counter had reached one check ago and the messages still have not, is a loss. Either way L1
 * must be cleared. Thread-safe.
 */
final class SequenceTracker {

    private long last;
    private long seenByLastCheck;

    /** Starts from the counter's current value. */
    SequenceTracker(long current) {
        this.last = current;
        this.seenByLastCheck = current;
    }

    /** A message numbered {@code seq} arrived; true if messages were lost before it. */
    synchronized boolean message(long seq) {
        boolean gap = seq != last + 1;
        last = seq;
        return gap;
    }

    /** The counter reads {@code current}; true if messages were lost (overdue since the previous check, or a reset). */
    synchronized boolean check(long current) {
        boolean gap = current < last || last < seenByLastCheck;
        if (gap) {
            last = current;
        }
        seenByLastCheck = current;
        return gap;
    }

    /** Forget the history (after L1 was cleared for another reason): continue from {@code current}. */
    synchronized void reset(long current) {
        last = current;
        seenByLastCheck = current;
    }
}
