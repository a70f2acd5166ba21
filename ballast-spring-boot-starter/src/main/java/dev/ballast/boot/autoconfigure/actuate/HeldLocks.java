package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Remembers the locks this instance holds now, for the {@code locks} endpoint (keys only: values never). */
final class HeldLocks implements LockListener {

    /** One held lock. */
    record Held(String key, String backend, long fencingToken, Instant since) {}

    private final ConcurrentMap<LockHandle, Held> held = new ConcurrentHashMap<>();
    private final InstantSource clock;

    HeldLocks(InstantSource clock) {
        this.clock = clock;
    }

    @Override
    public void acquired(String backend, LockHandle handle, long waitNanos) {
        held.put(handle, new Held(handle.key(), backend, handle.fencingToken(), clock.instant()));
    }

    @Override
    public void released(String backend, LockHandle handle, long heldNanos) {
        held.remove(handle);
    }

    @Override
    public void leaseLost(String backend, LockHandle handle) {
        held.remove(handle);
    }

    @Override
    public void leaseLostAfterWork(String backend, LockHandle handle) {
        held.remove(handle);
    }

    /** The locks held now, oldest first. */
    List<Held> now() {
        return held.values().stream().sorted(Comparator.comparing(Held::since)).toList();
    }
}
