package dev.ballast.core;

import dev.ballast.core.internal.Throwables;
import org.jspecify.annotations.Nullable;

/**
 * Marks a failure (the exception or any exception in its cause chain) that is the announced consequence of a switch
 * already reported once elsewhere, not a fault of its own: a caller whose lock wait ends while the resilient lock
 * strategy moves its locks to another backend. It is still an infrastructure failure (503 with {@code Retry-After} at
 * the HTTP edge); the executor's log writes it at WARN without a stack trace, rate-limited like every infrastructure
 * failure, and the starter's problem handler, for such a failure no task logged, writes its incident line at INFO
 * without one, so a planned failover does not put stack traces in the error log. The switch itself is logged and
 * alerted by the module that makes it.
 */
public interface PlannedUnavailability {

    /** Whether {@code error} or one of its first 16 causes is marked as planned. */
    static boolean foundIn(@Nullable Throwable error) {
        return Throwables.firstInCauseChain(error, cause -> cause instanceof PlannedUnavailability) != null;
    }
}
