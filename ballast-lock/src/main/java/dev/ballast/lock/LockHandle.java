package dev.ballast.lock;

/**
 * One acquisition of a lock. The handle, not the thread, owns the lock: it may be closed from any thread, including a
 * different virtual thread. Closing releases the lock and is idempotent. Thread-safe.
 */
public interface LockHandle extends AutoCloseable {

    /** The locked key. */
    String key();

    /**
     * The fencing token of this acquisition: strictly greater than the token of every earlier acquisition of the same
     * key, across restarts. Pass it to the guarded resource (see {@link FencedWrite}) so a holder that lost its lease
     * while paused is rejected there. Tokens are the backend's token times 1024 plus the holder's place among the local
     * holders the lock was handed to without returning to the backend; compare them, do not interpret them.
     */
    long fencingToken();

    /**
     * False once the lease is known lost (renewal failed, the lease ran out, or the handle was closed). A true answer is
     * a hint, not a guarantee: only the fencing token protects the resource.
     */
    boolean isValid();

    /** Releases the lock if this handle still owns it. Never throws; a failed release lets the lease expire. */
    @Override
    void close();
}
