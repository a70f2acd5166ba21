package dev.ballast.core.alert;

/**
 * Where modules send {@link Alert}s. Implementations must be thread-safe, must return quickly (queue slow deliveries)
 * and must never throw: an alert that cannot be delivered is the sink's problem, never the caller's.
 */
@FunctionalInterface
public interface AlertSink {

    /** Delivers or queues {@code alert}. */
    void send(Alert alert);

    /** The default sink: writes each alert to the log, CRITICAL at ERROR, WARNING at WARN, INFO at INFO. */
    static AlertSink logging() {
        return LoggingAlertSink.INSTANCE;
    }
}
