package dev.ballast.lock;

/** Told about lease losses; implementations must be thread-safe, quick, and must not throw. */
@FunctionalInterface
public interface LockListener {

    /** The lease of {@code handle} was lost while it was held. */
    void leaseLost(LockHandle handle);

    /** A listener that does nothing. */
    static LockListener none() {
        return handle -> {};
    }
}
