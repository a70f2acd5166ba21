package dev.ballast.outbox;

/** Why an event went to a dead-letter table (the outbox's, or an inbox's on the consumer side). */
public enum DeadLetterReason {
    /** The stored bytes no longer match the content hash taken at append: corrupted or tampered; never published. */
    INTEGRITY_VIOLATION,
    /** Publishing failed on every allowed attempt (or the relay died with it that often). */
    MAX_ATTEMPTS,
    /** The publisher has no route (topic, exchange) for the event's type. */
    NO_ROUTE,
    /** The broker refused the message as too large (Kafka {@code RecordTooLargeException}, a RabbitMQ frame limit). */
    RECORD_TOO_LARGE,
    /** The destination does not exist or its name is invalid (Kafka invalid or unknown topic, RabbitMQ no exchange). */
    INVALID_DESTINATION,
    /** The broker refused the publisher's credentials or permissions for this destination. */
    NOT_AUTHORIZED,
    /** The message could not be serialized for the broker. */
    SERIALIZATION,
    /** RabbitMQ returned a mandatory message: no queue is bound for its routing key. */
    UNROUTABLE,
    /** Consumer side: a received message lacks Ballast headers or has unreadable ones (see the inbox). */
    MALFORMED,
    /**
     * Consumer side: the handler failed on every attempt the consumer allows with an error that is not an outage (see
     * {@link dev.ballast.outbox.inbox.Inbox#giveUp}).
     */
    HANDLER_FAILED
}
