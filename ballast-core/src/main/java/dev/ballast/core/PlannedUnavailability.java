package dev.ballast.core;

/**
 * Marks a failure (the exception or any exception in its cause chain) that is the announced consequence of a switch
 * already reported once elsewhere, not a fault of its own: a caller whose lock wait ends while the resilient lock
 * strategy moves its locks to another backend. It is still an infrastructure failure (503 with {@code Retry-After} at
 * the HTTP edge); the executor's log writes it at WARN without a stack trace, rate-limited like every infrastructure
 * failure, so a planned failover does not put stack traces in the error log. The switch itself is logged and alerted
 * by the module that makes it.
 */
public interface PlannedUnavailability {}
