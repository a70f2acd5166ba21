package dev.ballast.lock.internal;

import java.io.Serial;
import java.util.concurrent.TimeoutException;

/**
 * Why a waiter's wait ended in an outage rather than in contention: it waited in line behind this instance's contender
 * for the key, whose request the backend did not answer (see {@link KeyQueue}). The cause of the {@link
 * dev.ballast.lock.LockBackendException} the waiter gets; the contender's own request reports the backend's failure, so a
 * strategy that counts failures (the resilient chain's breaker) does not count this one again.
 */
public final class UnansweredWait extends TimeoutException {

    @Serial
    private static final long serialVersionUID = 1L;

    UnansweredWait(String message) {
        super(message);
    }
}
