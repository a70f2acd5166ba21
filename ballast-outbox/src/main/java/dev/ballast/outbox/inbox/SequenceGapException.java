package dev.ballast.outbox.inbox;

/**
 * An event arrived before an earlier event of its aggregate and the inbox holds it ({@link SequenceGapPolicy#HOLD}):
 * nothing was written; let the broker redeliver it (nack / do not commit the offset).
 */
public final class SequenceGapException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long received;

    SequenceGapException(String aggregate, long expected, long received) {
        super("Event #" + received + " of " + aggregate + " arrived before #" + expected + "; held for redelivery");
        this.expected = expected;
        this.received = received;
    }

    /** The next sequence number the inbox expected. */
    public long expected() {
        return expected;
    }

    /** The sequence number that arrived. */
    public long received() {
        return received;
    }
}
