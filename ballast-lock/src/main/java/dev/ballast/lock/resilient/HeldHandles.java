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
 * callers add and forget handles while the mode keeper's timer revokes them; the set is concurrent and each handle's
 * revocation is a compare-and-set on the handle.
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
        revoke(handle -> true, "the strategy was closed", false);
        releases.close();
    }

    /**
     * Takes the handles {@code which} selects away from their epoch. On a {@code planned} return to the primary a lease
     * handle is only retired: its renewal stops and it stays valid until its lease runs out, which no new holder can
     * overlap (until the switch takes effect they lock on the fallback too), so a holder that lets go in time sees
     * nothing and no WARNING is raised; one still holding when the lease runs out is reported then. Otherwise (a switch
     * to the fallback, a stale view, closing) the handles turn invalid at once and the loss is reported.
     */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // handles is a concurrent set: its iterator allows removal
    void revoke(Predicate<ResilientHandle> which, String why, boolean planned) {
        List<ResilientHandle> revoked = new ArrayList<>();
        int retired = 0;
        for (ResilientHandle handle : handles) {
            if (!which.test(handle)) {
                continue;
            }
            if (planned && handle.delegate instanceof Abandonable lease && handles.remove(handle)) {
                handle.retire();
                lease.abandon(); // stop renewing; the lease runs out within maxLease
                var unused = clock.schedule(() -> lostIfStillHeld(handle, why), maxLease.toNanos());
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
        if (revoked.isEmpty()) {
            return;
        }
        for (ResilientHandle handle : revoked) {
            listener.leaseLost("resilient", handle);
            if (handle.delegate instanceof Abandonable abandonable) {
                abandonable
                        .abandon(); // stop renewing but do not release: the lease runs out while the holder winds down
            } else {
                releases.execute(handle.delegate::close);
            }
        }
        signals.revoked(revoked.size(), why);
    }

    /** A handle retired by a planned switch whose holder kept it past its lease: now it is a lost lease. */
    private void lostIfStillHeld(ResilientHandle handle, String why) {
        if (handle.heldPastItsLease()) {
            listener.leaseLost("resilient", handle);
            signals.revoked(1, why + " and its holder kept it past its lease");
        }
    }
}
