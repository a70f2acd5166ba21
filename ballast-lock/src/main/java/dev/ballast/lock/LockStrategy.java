package dev.ballast.lock;

import dev.ballast.core.CheckedRunnable;
import dev.ballast.core.CheckedSupplier;
import dev.ballast.lock.internal.Guarded;
import java.time.Duration;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Mutual exclusion on string keys, with leases and fencing tokens. Implementations are thread-safe and say which backend
 * they use in {@link #backend()}.
 *
 * <p>Keys are 1 to {@value LockKeys#MAX_LENGTH} characters without control characters. Wait and lease times are
 * positive {@link Duration}s (wait may be zero: try once). The lease is renewed while the holder works; if renewal fails
 * the handle becomes invalid and the {@link LockListener} is told. Waiters of one key in one strategy are served in
 * arrival order, and only one of them at a time asks the backend.
 *
 * <p>One strategy per backend serves the application (the Spring starter builds it from {@code ballast.lock.*}):
 *
 * {@snippet class="dev.ballast.lock.snippets.LockStrategySnippets" region="create"}
 *
 * <p>Most code runs its work under the lock and lets the strategy release it:
 *
 * {@snippet class="dev.ballast.lock.snippets.LockStrategySnippets" region="run"}
 *
 * <p>Where the protected store can check it, pass the handle's fencing token with each write:
 *
 * {@snippet class="dev.ballast.lock.snippets.LockStrategySnippets" region="handle"}
 */
public interface LockStrategy extends AutoCloseable {

    /**
     * Acquires the lock on {@code key}, waiting up to {@code waitTime}; the caller must close the handle.
     *
     * @throws LockAcquisitionException if the lock stayed busy for the whole wait
     * @throws LockBackendException if the backend failed
     */
    LockHandle tryAcquire(String key, Duration waitTime, Duration leaseTime);

    /**
     * Runs {@code task} holding the lock on {@code key}, then releases it. Exceptions of the task propagate unchanged
     * (checked ones wrapped in {@link dev.ballast.core.ServerException}); if the lease was no longer exclusive when the
     * task returned, {@link LockLostException} is thrown after it instead of its result. A lease that turned invalid
     * but was still exclusive when the task returned (revoked, or no longer renewed, but not run out) keeps the result:
     * the work completed holding the lock, and the Ballast strategies report the loss to their listener and alerts. A
     * lease that ran out while the task ran also keeps the result, reported the same way, if the task wrote through
     * {@link FencedWrite#apply} with this lock's token and the database accepted the write: the write was checked
     * against newer holders' by the database, and a transaction inside the lock has usually committed it already.
     */
    default <T extends @Nullable Object> T executeWithLock(
            String key, Duration waitTime, Duration leaseTime, CheckedSupplier<T> task) {
        java.util.Objects.requireNonNull(task, "task");
        return Guarded.run(tryAcquire(key, waitTime, leaseTime), task);
    }

    /** The void form of {@link #executeWithLock}. */
    default void runWithLock(String key, Duration waitTime, Duration leaseTime, CheckedRunnable task) {
        java.util.Objects.requireNonNull(task, "task");
        executeWithLock(key, waitTime, leaseTime, () -> {
            task.run();
            return null;
        });
    }

    /**
     * Runs {@code task} holding the locks on all {@code keys}, acquired in one canonical order under one deadline, all
     * or nothing: if one is not acquired in time, those already acquired are released and {@link
     * LockAcquisitionException} names the key that was busy. Crossing key sets therefore never deadlock.
     */
    <T extends @Nullable Object> T executeWithLocks(
            Collection<String> keys, Duration waitTime, Duration leaseTime, CheckedSupplier<T> task);

    /** Backend name used in metrics and logs, e.g. {@code jdbc}, {@code local}. */
    String backend();

    /** Stops lease renewal; handles still open become invalid as their leases run out. */
    @Override
    void close();
}
