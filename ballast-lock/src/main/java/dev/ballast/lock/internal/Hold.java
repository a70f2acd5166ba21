package dev.ballast.lock.internal;

import java.time.Duration;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * This instance's ownership of one key at the backend, passed from local holder to local holder (see {@link KeyQueue}).
 *
 * <p>Concurrency: the timing fields are volatile, written by the renewal task and by the thread handing the lock on, and
 * read by any holder; {@link #grants}, {@link #holder}, {@link #renewal} and {@link #released} are guarded by the owning
 * queue's monitor.
 * Its holders' fencing tokens come from {@link FencingTokens}.
 */
final class Hold {

    final String owner;
    private final long backendToken;
    private volatile Duration lease;
    /** End of the lease by the clock, counted from before the request that last confirmed it. */
    private volatile long validUntil;
    /** When the request that last confirmed the ownership (acquire or renewal) was sent. */
    private volatile long confirmedAt;
    /** The backend said this instance no longer owns the key. */
    private volatile boolean lost;
    /** Renewal stopped on purpose (a revocation): the lease runs out on its own and is never handed on. */
    private volatile boolean abandoned;
    /** Set with {@link #abandoned} by a retirement: its holder's close still releases the lease at the backend. */
    private volatile boolean releasedOnClose;

    int grants;

    @Nullable
    LeaseHandle holder;

    @Nullable
    Future<?> renewal;

    boolean released;

    Hold(String owner, long backendToken, Duration lease, long requestedAt) {
        FencingTokens.of(backendToken, 0); // checks the range
        this.owner = owner;
        this.backendToken = backendToken;
        confirmed(requestedAt, lease);
    }

    /** The local token of the {@code n}-th holder of this ownership. */
    long token(int n) {
        return FencingTokens.of(backendToken, n);
    }

    Duration lease() {
        return lease;
    }

    /** The backend confirmed the ownership for {@code newLease}, by a request sent at {@code sentAt}. */
    void confirmed(long sentAt, Duration newLease) {
        lease = newLease;
        confirmedAt = sentAt;
        validUntil = sentAt + newLease.toNanos();
    }

    void markLost() {
        lost = true;
    }

    void abandon() {
        abandoned = true;
    }

    /** Abandoned, but released when its holder lets go ({@link Abandonable#retire}). */
    void retire() {
        releasedOnClose = true;
        abandoned = true;
    }

    boolean releasedOnClose() {
        return releasedOnClose;
    }

    boolean abandoned() {
        return abandoned;
    }

    boolean lost() {
        return lost;
    }

    /** Usable by a holder at {@code now}: not lost, not abandoned, lease not run out. */
    boolean validAt(long now) {
        return !lost && !abandoned && now - validUntil < 0;
    }

    /** Whether no other owner can have had the key at {@code t}. */
    boolean exclusiveAt(long t) {
        return lost ? t - confirmedAt <= 0 : t - validUntil < 0;
    }

    /** Whether handing on to a holder wanting {@code wanted} needs a renewal first: less than half a lease left. */
    boolean needsRenewalFor(Duration wanted, long now) {
        return !wanted.equals(lease) || validUntil - now < lease.toNanos() / 2;
    }
}
