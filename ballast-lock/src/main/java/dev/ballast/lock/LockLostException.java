package dev.ballast.lock;

/**
 * The lease of a lock was lost while the guarded code ran: another holder may have run concurrently. Thrown by
 * {@link LockStrategy#executeWithLock} after the guarded code finished, instead of reporting success; writes guarded by
 * the fencing token were protected at the resource, anything else was not.
 */
public final class LockLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final long fencingToken;

    /** The lease on {@code key} held with {@code fencingToken} was lost. */
    public LockLostException(String key, long fencingToken) {
        super("Lease on lock '" + key + "' (fencing token " + fencingToken + ") was lost while the guarded code ran");
        this.key = key;
        this.fencingToken = fencingToken;
    }

    /** The key whose lease was lost. */
    public String key() {
        return key;
    }

    /** The token of the lost acquisition. */
    public long fencingToken() {
        return fencingToken;
    }
}
