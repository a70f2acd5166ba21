package dev.ballast.cache;

import org.jspecify.annotations.Nullable;

/** What Redis tells the cache. Called on Lettuce's threads, the scheduler and callers' threads; must not block. */
interface L2Events {

    /** Another instance changed or removed {@code keyText}. */
    void invalidated(String keyText);

    /** Another instance cleared the cache. */
    void cleared();

    /**
     * The load lease of {@code keyText} was released: waiters should look again. {@code envelope} is the value the
     * holder wrote (its L2 bytes), when it wrote one small enough to travel with the signal.
     */
    void released(String keyText, byte @Nullable [] envelope);

    /** Invalidations may have been lost: clear L1. */
    void resync(String reason);

    /**
     * The link to Redis broke or came back (breaker opened or closed, pub/sub re-subscribed): a caller waiting for
     * another instance's "released" signal stops waiting and looks again (or loads locally).
     */
    void linkChanged();
}
