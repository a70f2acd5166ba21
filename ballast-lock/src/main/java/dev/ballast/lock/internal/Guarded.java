package dev.ballast.lock.internal;

import dev.ballast.core.CheckedSupplier;
import dev.ballast.core.ServerException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockKeys;
import dev.ballast.lock.LockLostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/** The run-while-holding part every strategy shares: guarded calls, the after-the-fact loss check, multi-key order. */
public final class Guarded {

    private Guarded() {}

    /** Acquires one key before an absolute {@link System#nanoTime()} deadline. */
    @FunctionalInterface
    public interface Acquirer {
        LockHandle acquire(String key, long deadlineNanos);
    }

    /** Runs {@code task} holding {@code handle}, closing it; a lease lost meanwhile turns the result into an exception. */
    public static <T extends @Nullable Object> T run(LockHandle handle, CheckedSupplier<T> task) {
        try (handle) {
            T result = call(task);
            requireStillValid(handle);
            return result;
        }
    }

    /** Sorts and deduplicates {@code keys}, acquires them in that order under one deadline, all or nothing. */
    public static <T extends @Nullable Object> T runWithAll(
            Collection<String> keys,
            Duration waitTime,
            Duration leaseTime,
            Acquirer acquirer,
            CheckedSupplier<T> task) {
        Objects.requireNonNull(task, "task");
        LockKeys.requireWait(waitTime);
        LockKeys.requireLease(leaseTime);
        TreeSet<String> ordered = new TreeSet<>(); // one canonical order for every caller: no lock-order deadlock
        for (String key : Objects.requireNonNull(keys, "keys")) {
            ordered.add(LockKeys.requireValid(key));
        }
        if (ordered.isEmpty()) {
            throw new IllegalArgumentException("executeWithLocks needs at least one key");
        }
        long deadline = System.nanoTime() + waitTime.toNanos();
        List<LockHandle> held = new ArrayList<>(ordered.size());
        try {
            for (String key : ordered) {
                held.add(acquirer.acquire(key, deadline));
            }
            T result = call(task);
            for (LockHandle handle : held) {
                requireStillValid(handle);
            }
            return result;
        } finally {
            for (int i = held.size() - 1; i >= 0; i--) {
                held.get(i).close();
            }
        }
    }

    private static <T extends @Nullable Object> T call(CheckedSupplier<T> task) {
        try {
            return task.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw ServerException.wrapping(e);
        }
    }

    private static void requireStillValid(LockHandle handle) {
        if (!handle.isValid()) {
            throw new LockLostException(handle.key(), handle.fencingToken());
        }
    }
}
