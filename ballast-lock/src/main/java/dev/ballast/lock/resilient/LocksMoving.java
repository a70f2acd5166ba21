package dev.ballast.lock.resilient;

import dev.ballast.core.PlannedUnavailability;
import java.util.concurrent.TimeoutException;

/**
 * The cause of the {@link dev.ballast.lock.LockBackendException} of a caller whose wait ends inside a switch of the
 * lock mode: nobody holds the key, the locks are moving; the switch itself is logged and alerted by the strategy.
 */
final class LocksMoving extends TimeoutException implements PlannedUnavailability {

    private static final long serialVersionUID = 1L;

    LocksMoving(String message) {
        super(message);
    }
}
