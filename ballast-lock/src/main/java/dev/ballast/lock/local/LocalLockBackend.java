package dev.ballast.lock.local;

import dev.ballast.lock.LockClock;
import dev.ballast.lock.internal.LockBackend;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Locks inside one JVM, with the same lease and fencing semantics as the distributed backends: for tests, single-node
 * deployments and the embedded default. Fencing tokens increase for the life of the JVM; leases run on the strategy's
 * clock. Thread-safe.
 */
final class LocalLockBackend implements LockBackend {

    private final LockClock clock;
    private final Object monitor = new Object();
    private final Map<String, Entry> entries = new HashMap<>();

    LocalLockBackend(LockClock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public long tryLock(String key, String owner, Duration lease) {
        synchronized (monitor) {
            Entry entry = entries.computeIfAbsent(key, k -> new Entry());
            if (entry.owner != null && clock.nanoTime() - entry.expiresAtNanos < 0) {
                return 0;
            }
            entry.owner = owner;
            entry.expiresAtNanos = clock.nanoTime() + lease.toNanos();
            return ++entry.fence;
        }
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        synchronized (monitor) {
            Entry entry = entries.get(key);
            if (entry == null || !owner.equals(entry.owner) || clock.nanoTime() - entry.expiresAtNanos >= 0) {
                return false;
            }
            entry.expiresAtNanos = clock.nanoTime() + lease.toNanos();
            return true;
        }
    }

    @Override
    public void unlock(String key, String owner) {
        synchronized (monitor) {
            Entry entry = entries.get(key);
            if (entry != null && owner.equals(entry.owner)) {
                entry.owner = null;
                monitor.notifyAll();
            }
        }
    }

    @Override
    public boolean notifiesReleases() {
        return true;
    }

    @Override
    @SuppressWarnings("WaitNotInLoop") // may return early by contract: callers try the lock again, then wait again
    public void awaitRelease(String key, Duration maxWait) throws InterruptedException {
        synchronized (monitor) {
            Entry entry = entries.get(key);
            if (entry != null && entry.owner != null) {
                long millis = Math.max(1, maxWait.toMillis());
                monitor.wait(millis);
            }
        }
    }

    /** Drops the lease of whoever holds {@code key}, as if it expired; for tests of lease loss. */
    void expire(String key) {
        synchronized (monitor) {
            Entry entry = entries.get(key);
            if (entry != null) {
                entry.expiresAtNanos = clock.nanoTime();
                monitor.notifyAll();
            }
        }
    }

    private static final class Entry {
        @Nullable
        String owner;

        long expiresAtNanos;
        long fence;
    }
}
