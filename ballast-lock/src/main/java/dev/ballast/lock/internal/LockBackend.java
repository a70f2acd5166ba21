package dev.ballast.lock.internal;

import java.time.Duration;
import java.util.List;

/**
 * What a lock backend must do; {@link LeaseLockStrategy} does the rest (waiting, renewal, validity, multi-key). Owners
 * are random per-acquisition tokens. Implementations are thread-safe; infrastructure failures are thrown as they are and
 * wrapped by the strategy.
 */
public interface LockBackend {

    /** Backend name for metrics and messages. */
    String name();

    /**
     * Tries once to take {@code key} for {@code owner} with a lease of {@code lease}.
     *
     * @return the fencing token (positive, strictly increasing per key) if acquired, 0 if another owner holds it
     */
    long tryLock(String key, String owner, Duration lease) throws Exception;

    /**
     * Whether a {@link #tryLock} that failed with {@code failure} may still have taken the key (a timeout, or a
     * connection lost while the request was in flight): the strategy then releases that owner in the background, so an
     * acquisition nobody heard of does not keep the key for a whole lease. False when the request surely did nothing
     * (refused before it was sent, an error answer); the default assumes the worst.
     */
    default boolean mayHaveApplied(Exception failure) {
        return true;
    }

    /** Extends the lease if {@code owner} still holds {@code key}; false if it does not. */
    boolean renew(String key, String owner, Duration lease) throws Exception;

    /** Releases {@code key} if {@code owner} holds it. */
    void unlock(String key, String owner) throws Exception;

    /**
     * Waits up to {@code maxWait} for a sign that {@code key} may have been released; may return early or late by a
     * polling interval. The default sleeps, for backends without notifications.
     */
    default void awaitRelease(String key, Duration maxWait) throws InterruptedException {
        Thread.sleep(maxWait);
    }

    /**
     * Whether {@link #awaitRelease} returns soon after another instance releases a key (a notification), rather than
     * only sleeping. Waiters then poll less, and pause less when one instance lets go to give others their turn.
     */
    default boolean notifiesReleases() {
        return false;
    }

    /**
     * Makes every token issued for {@code key} from now on exceed {@code floor} (a token of another backend), without
     * taking the lock; a counter already above it is left alone.
     *
     * @return false if this backend cannot do that (the default)
     */
    default boolean raiseFence(String key, long floor) throws Exception {
        return false;
    }

    /**
     * Keys derived from {@code base} whose locks together reach every server this backend spreads keys over, as it knows
     * them now: one per primary of a Redis Cluster. A health probe that must see all of the backend tries each. The
     * default: {@code base} alone (one server).
     */
    default List<String> probeKeys(String base) {
        return List.of(base);
    }

    /** Releases the backend's own resources (connections it opened); called when the strategy closes. */
    default void close() {}
}
