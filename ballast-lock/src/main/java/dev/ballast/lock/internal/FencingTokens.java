package dev.ballast.lock.internal;

/**
 * The fencing tokens handed to holders: a backend token {@code t} gives {@code t * 1024 + n} to the {@code n}-th local
 * holder of that one backend ownership (see {@link KeyQueue}). The next ownership of the key has a backend token above
 * {@code t}, so its tokens exceed all of these: tokens stay strictly increasing per key, across instances and restarts,
 * without a round trip per local hand-off. Every backend's tokens go through here, so they stay comparable (also across
 * the resilient strategy's switches, and between session and transaction-scoped advisory locks). Internal.
 */
public final class FencingTokens {

    /** Local holders one backend ownership can have. */
    public static final int SLOTS = 1024;

    private FencingTokens() {}

    /** The token of the {@code n}-th local holder (from 0) of the ownership with backend token {@code backendToken}. */
    public static long of(long backendToken, int n) {
        if (backendToken <= 0 || backendToken > Long.MAX_VALUE / SLOTS) {
            throw new IllegalStateException("Backend fencing token " + backendToken + " is out of range");
        }
        if (n < 0 || n >= SLOTS) {
            throw new IllegalArgumentException("Local holder number must be 0 to " + (SLOTS - 1) + ", was " + n);
        }
        return backendToken * SLOTS + n;
    }
}
