package dev.ballast.lock;

import java.util.List;

/**
 * Told what happens to locks: lease losses (the one event every listener must handle), and optionally acquisitions,
 * timeouts, releases and backend failures, which metrics use. Implementations must be thread-safe, quick, and must not
 * throw.
 */
@FunctionalInterface
public interface LockListener {

    /** The lease of {@code handle} on {@code backend} was lost while it was held. */
    void leaseLost(String backend, LockHandle handle);

    /**
     * The lease of {@code handle} on {@code backend} ran out or was revoked after the guarded work had completed while it
     * was still held: the work's result stands and was returned to the caller; the loss is reported here and by a WARNING
     * alert.
     */
    default void leaseLostAfterWork(String backend, LockHandle handle) {}

    /** {@code handle} was acquired on {@code backend} after waiting {@code waitNanos}. */
    default void acquired(String backend, LockHandle handle, long waitNanos) {}

    /** {@code key} stayed busy on {@code backend} for the whole wait of {@code waitNanos}. */
    default void notAcquired(String backend, String key, long waitNanos) {}

    /** {@code handle} was released after being held for {@code heldNanos}. */
    default void released(String backend, LockHandle handle, long heldNanos) {}

    /** {@code backend} failed while acquiring {@code key}. */
    default void backendFailed(String backend, String key, RuntimeException error) {}

    /**
     * This instance moved every instance's locks from backend {@code from} to {@code to} (a resilient strategy's
     * fail-over or return); {@code epoch} numbers the new mode.
     */
    default void modeSwitched(String from, String to, long epoch) {}

    /**
     * This instance follows a mode change: from now on it takes locks on backend {@code to} instead of {@code from}.
     * Every instance of a resilient strategy reports it, whichever instance made the switch; {@code epoch} numbers the
     * new mode.
     */
    default void modeFollowed(String from, String to, long epoch) {}

    /** This instance's circuit breaker in front of {@code backend} changed to {@code state}. */
    default void breakerChanged(String backend, BreakerState state) {}

    /** States of a resilient strategy's circuit breaker. */
    enum BreakerState {
        /** The backend is trusted. */
        CLOSED,
        /** Probes of the backend are succeeding; not yet trusted. */
        HALF_OPEN,
        /** The backend is not used. */
        OPEN
    }

    /** A listener that does nothing. */
    static LockListener none() {
        return (backend, handle) -> {};
    }

    /** Tells every listener in turn; one that throws does not keep the others from hearing. */
    static LockListener all(List<LockListener> listeners) {
        List<LockListener> copy = List.copyOf(listeners);
        return new LockListener() {
            @Override
            public void leaseLost(String backend, LockHandle handle) {
                copy.forEach(each -> quietly(() -> each.leaseLost(backend, handle)));
            }

            @Override
            public void leaseLostAfterWork(String backend, LockHandle handle) {
                copy.forEach(each -> quietly(() -> each.leaseLostAfterWork(backend, handle)));
            }

            @Override
            public void acquired(String backend, LockHandle handle, long waitNanos) {
                copy.forEach(each -> quietly(() -> each.acquired(backend, handle, waitNanos)));
            }

            @Override
            public void notAcquired(String backend, String key, long waitNanos) {
                copy.forEach(each -> quietly(() -> each.notAcquired(backend, key, waitNanos)));
            }

            @Override
            public void released(String backend, LockHandle handle, long heldNanos) {
                copy.forEach(each -> quietly(() -> each.released(backend, handle, heldNanos)));
            }

            @Override
            public void backendFailed(String backend, String key, RuntimeException error) {
                copy.forEach(each -> quietly(() -> each.backendFailed(backend, key, error)));
            }

            @Override
            public void modeSwitched(String from, String to, long epoch) {
                copy.forEach(each -> quietly(() -> each.modeSwitched(from, to, epoch)));
            }

            @Override
            public void modeFollowed(String from, String to, long epoch) {
                copy.forEach(each -> quietly(() -> each.modeFollowed(from, to, epoch)));
            }

            @Override
            public void breakerChanged(String backend, BreakerState state) {
                copy.forEach(each -> quietly(() -> each.breakerChanged(backend, state)));
            }
        };
    }

    private static void quietly(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException ignored) {
            // a listener must not throw; the next one still hears the event
        }
    }
}
