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

    /**
     * The counter reads {@code current}; true if messages were lost: one numbered up to what the counter read at the
     * previous check has still not arrived, or the counter went back since then (a reset). A read older than the
     * messages already seen ({@code current < last} while the counter only grows) is neither: the read raced newer
     * messages, which a steady writer makes happen every few seconds (found by a black-box check: "L1 cleared (gap)"
     * twice per race on a healthy Redis, once here and once for the next message).
     */
    synchronized boolean check(long current) {
        boolean reset = current < seenByLastCheck;
        boolean overdue = last < seenByLastCheck;
        if (reset) {
            last = current;
        } else if (overdue) {
            last = Math.max(last, current);
        }
        seenByLastCheck = current;
        return reset || overdue;
    }

    /** Forget the history (after L1 was cleared for another reason): continue from {@code current}. */
    synchronized void reset(long current) {
        last = current;
        seenByLastCheck = current;
    }
}
