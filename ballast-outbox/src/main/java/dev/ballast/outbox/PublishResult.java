package dev.ballast.outbox;

import java.util.Objects;

/**
 * What happened to one message of a batch given to an {@link OutboxPublisher}.
 *
 * <ul>
 *   <li>{@link #published()}: the broker acknowledged it.
 *   <li>{@link #failed(Throwable)}: not acknowledged; the relay retries with its backoff. If every message of a batch
 *       fails with an infrastructure error (per the relay's {@code ExceptionClassifier}) the relay pauses instead
 *       (broker outage: attempts are given back).
 *   <li>{@link #retry(Throwable)}: the broker answered but asked for a retry (a leader change, not enough replicas):
 *       always retried with backoff, never taken for an outage.
 *   <li>{@link #unavailable(Throwable)}: the broker could not be reached: always counts towards an outage.
 *   <li>{@link #rejected(DeadLetterReason, Throwable)}: the broker (or the publisher) refused the message for good
 *       (too large, no such destination, not authorized, unroutable): a dead letter at once with that reason.
 * </ul>
 */
public sealed interface PublishResult {

    /** The broker acknowledged the message. */
    static PublishResult published() {
        return Published.INSTANCE;
    }

    /** The message was not acknowledged; the relay retries it (or dead-letters it after the last attempt). */
    static PublishResult failed(Throwable cause) {
        return new Failed(Objects.requireNonNull(cause, "cause"), Failed.Kind.CLASSIFY);
    }

    /** A retriable refusal from a broker that is up: retried with backoff, never an outage. */
    static PublishResult retry(Throwable cause) {
        return new Failed(Objects.requireNonNull(cause, "cause"), Failed.Kind.RETRY);
    }

    /** The broker could not be reached: counts towards the relay's outage pause. */
    static PublishResult unavailable(Throwable cause) {
        return new Failed(Objects.requireNonNull(cause, "cause"), Failed.Kind.UNAVAILABLE);
    }

    /** A permanent refusal: the event becomes a dead letter with {@code reason} at once, without further attempts. */
    static PublishResult rejected(DeadLetterReason reason, Throwable cause) {
        return new Rejected(Objects.requireNonNull(reason, "reason"), Objects.requireNonNull(cause, "cause"));
    }

    /** Acknowledged. */
    enum Published implements PublishResult {
        INSTANCE
    }

    /**
     * Not acknowledged, because of {@code cause}.
     *
     * @param kind how the relay treats it: let the classifier decide, retry, or broker unavailable
     */
    record Failed(Throwable cause, Kind kind) implements PublishResult {

        /** A failure whose kind the relay's classifier decides. */
        public Failed(Throwable cause) {
            this(cause, Kind.CLASSIFY);
        }

        /** How a failure is treated. */
        public enum Kind {
            /** The relay's {@code ExceptionClassifier} decides whether it is an outage (infrastructure) or a retry. */
            CLASSIFY,
            /** Retried with backoff, never an outage. */
            RETRY,
            /** The broker is unreachable: an outage. */
            UNAVAILABLE
        }
    }

    /** Permanently refused: a dead letter with {@code reason}. */
    record Rejected(DeadLetterReason reason, Throwable cause) implements PublishResult {}
}
