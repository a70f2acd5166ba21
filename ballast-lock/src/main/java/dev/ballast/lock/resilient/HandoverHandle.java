package dev.ballast.lock.resilient;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.internal.Abandonable;
import dev.ballast.lock.internal.Exclusivity;
import java.util.function.Consumer;

/**
 * A lock granted while a switch back to the primary is pending: held on the fallback (which excludes the fallback
 * holders of instances that have not seen the switch yet) and on the primary (which excludes the primary holders once
 * the switch takes effect), so it is exclusive before, during and after the switch. Its fencing token is the primary's,
 * which was raised above the fallback's token first, so tokens rise from the fallback's holders through this one to the
 * primary's. Thread-safe.
 */
final class HandoverHandle implements LockHandle, Abandonable, Exclusivity {

    private final LockHandle fallback;
    private final LockHandle primary;

    HandoverHandle(LockHandle fallback, LockHandle primary) {
        this.fallback = fallback;
        this.primary = primary;
    }

    @Override
    public String key() {
        return primary.key();
    }

    @Override
    public long fencingToken() {
        return primary.fencingToken();
    }

    @Override
    public boolean isValid() {
        return primary.isValid() && fallback.isValid();
    }

    @Override
    public boolean exclusiveAt(long clockNanos) {
        return exclusive(primary, clockNanos) && exclusive(fallback, clockNanos);
    }

    private static boolean exclusive(LockHandle part, long clockNanos) {
        return part instanceof Exclusivity lease && lease.exclusiveAt(clockNanos);
    }

    @Override
    public void abandon() {
        stopRenewing(primary, Abandonable::abandon);
        stopRenewing(fallback, Abandonable::abandon);
    }

    @Override
    public void retire() {
        stopRenewing(primary, Abandonable::retire);
        stopRenewing(fallback, Abandonable::retire);
    }

    /** Stops renewing a lease part {@code how}; a part that cannot stop renewing (a session lock) is released instead. */
    private static void stopRenewing(LockHandle part, Consumer<Abandonable> how) {
        if (part instanceof Abandonable lease) {
            how.accept(lease);
        } else {
            part.close();
        }
    }

    @Override
    public void onLoss(Runnable action) {
        if (primary instanceof Abandonable lease) {
            lease.onLoss(action);
        }
        if (fallback instanceof Abandonable lease) {
            lease.onLoss(action);
        }
    }

    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            fallback.close();
        }
    }

    @Override
    public String toString() {
        return "HandoverHandle[" + primary + " + " + fallback + "]";
    }
}
