package dev.ballast.core;

/** What kind of failure an exception is, as answered by an {@link ExceptionClassifier}. */
public enum ErrorCategory {
    /** A business rule said no (validation, not found, insufficient funds): expected, not an incident. */
    BUSINESS,
    /** A dependency failed (network, database, broker, timeout): retry, fall back, alert. */
    INFRASTRUCTURE,
    /** Anything else, typically a bug. */
    UNKNOWN
}
