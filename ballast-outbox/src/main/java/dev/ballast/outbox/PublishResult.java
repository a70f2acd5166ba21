package dev.ballast.outbox;

import java.util.Objects;

/** What happened to one message of a batch given to an {@link OutboxPublisher}. */
public sealed interface PublishResult {

    /** The broker acknowledged the message. */
    static PublishResult published() {
        return Published.INSTANCE;
    }

    /** The message was not acknowledged; the relay retries it (or dead-letters it after the last attempt). */
    static PublishResult failed(Throwable cause) {
        return new Failed(Objects.requireNonNull(cause, "cause"));
    }

    /** Acknowledged. */
    enum Published implements PublishResult {
        INSTANCE
    }

    /** Not acknowledged, because of {@code cause}. */
    record Failed(Throwable cause) implements PublishResult {}
}
