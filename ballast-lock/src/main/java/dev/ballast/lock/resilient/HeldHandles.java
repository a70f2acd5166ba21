package dev.ballast.lock.resilient;

import dev.ballast.lock.LockClock;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.internal.Abandonable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handles a resilient strategy granted that are still open, and their end when their mode epoch ends. Thread-safe:
 * callers add and forget handles while the mode keeper's timer retires or revokes them; the set is concurrent, each
 * handle's revocation is a compare-and-set on the handle, and so is the report of its loss (at most one per handle).
 */
final class HeldHandles {

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);

    private final Set<ResilientHandle> handles = ConcurrentHashMap.newKeySet();
    private final ExecutorService releases = Executors.newVirtualThreadPerTaskExecutor();
    private final LockListener listener;
    private final ModeSignals signals;
    private final LockClock clock;
    private final Duration maxLease;

    HeldHandles(LockListener listener, ModeSignals signals, LockClock clock, Duration maxLease) {
        this.listener = listener;
        this.signals = signals;
        this.clock = clock;
        this.maxLease = maxLease;
    }

    void add(ResilientHandle handle) {
        handles.add(handle);
    }

    void forget(ResilientHandle handle) {
        handles.remove(handle);
    }

    /** Revokes every open handle (the strategy closes) and stops the release threads. */
    void close() {
        revoke(handle -> true, "the strategy was closed");
        releases.close();
    }

    /**
     * Takes the handles {@code which} selects away from their epoch because the mode switched, in either direction. A
     * lease handle is only retired: its renewal stops and it stays valid until its last granted lease runs out, and
     * never at or after {@code validBefore} (the earliest moment the new mode can take effect, so no holder under the
     * new mode can overlap it; until then no holder under the old mode can either, as the backend still holds the
     * unrenewed lease). A holder that lets go in time loses nothing and nothing is reported: no {@code leaseLost}, no
     * alert. One still holding when the validity ends is reported then (or when it lets go, whichever comes first), once.
     * A handle that cannot stop renewing without releasing (a session lock) is revoked as before.
     */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // handles is a concurrent set: its iterator allows removal
    void retire(Predicate<ResilientHandle> which, String why, long validBefore) {
        List<ResilientHandle> revoked = new ArrayList<>();
        int retired = 0;
        String overran = why + " and its holder kept it past its lease";
        for (ResilientHandle handle : handles) {
            if (!which.test(handle)) {
                continue;
            }
            if (handle.delegate instanceof Abandonable lease && handles.remove(handle)) {
                handle.retire(validBefore, () -> reportLost(handle, overran));
                // stop renewing: the lease runs out within maxLease, unless the holder lets go first, which releases
                // it (in the background), so the key's next caller need not wait for the rest of the lease
                lease.retire();
                // the validity ends at the lease's end (within maxLease) or at validBefore, whichever comes first:
                // one check at the earlier of the two finds it over either way
                long untilValidBefore = Math.max(0, validBefore - clock.nanoTime());
                var unused = clock.schedule(
                        () -> lostIfStillHeld(handle, overran), Math.min(maxLease.toNanos(), untilValidBefore));
                retired++;
            } else if (handle.revoke()) {
                handles.remove(handle);
                revoked.add(handle);
            }
        }
        if (retired > 0) {
            log.debug(
                    "{} lock(s) stop renewing because {}; they stay exclusive until their leases run out",
                    retired,
                    why);
        }
        lost(revoked, why);
    }

    /**
     * Revokes the handles {@code which} selects: they turn invalid at once and the loss is reported. For a view of the
     * mode this instance can no longer trust (its holders cannot know whether a switch is under way) and for closing.
     */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // handles is a concurrent set: its iterator allows removal
    void revoke(Predicate<ResilientHandle> which, String why) {
        List<ResilientHandle> revoked = new ArrayList<>();
        for (ResilientHandle handle : handles) {
            if (which.test(handle) && handle.revoke()) {
                handles.remove(handle);
                revoked.add(handle);
            }
        }
        lost(revoked, why);
    }

    private void lost(List<ResilientHandle> revoked, String why) {
        if (revoked.isEmpty()) {
            return;
        }
        int reported = 0;
        for (ResilientHandle handle : revoked) {
            if (handle.claimLoss()) {
                listener.leaseLost("resilient", handle);
                reported++;
            }
            if (handle.delegate instanceof Abandonable abandonable) {
                abandonable
                        .abandon(); // stop renewing but do not release: the lease runs out while the holder winds down
            } else {
                releases.execute(handle.delegate::close);
            }
        }
        if (reported > 0) {
            signals.revoked(reported, why);
        }
    }

    /** A handle retired by a switch whose holder kept it past its validity: now it is a lost lease. */
    private void lostIfStillHeld(ResilientHandle handle, String why) {
        if (handle.heldPastItsLease() && handle.claimLoss()) {
            reportLost(handle, why);
        }
    }

    private void reportLost(ResilientHandle handle, String why) {
        listener.leaseLost("resilient", handle);
        signals.revoked(1, why);
    }
}
