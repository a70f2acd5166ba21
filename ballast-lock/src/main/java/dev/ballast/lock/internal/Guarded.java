package dev.ballast.lock.internal;

import dev.ballast.core.CheckedSupplier;
import dev.ballast.core.ServerException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockLostException;
import org.jspecify.annotations.Nullable;

/** Running guarded code: checked exceptions wrapped once, the handle closed afterwards. Internal. */
public final class Guarded {

    private Guarded() {}

    /**
     * Runs {@code task} holding {@code handle}, closing it; a handle invalid after the task turns the result into {@link
     * LockLostException}. Used by {@link dev.ballast.lock.LockStrategy}'s default method for strategies that do not
     * extend {@link GuardedLockStrategy}, which knows better.
     */
    public static <T extends @Nullable Object> T run(LockHandle handle, CheckedSupplier<T> task) {
        try (handle) {
            T result = call(task);
            if (!handle.isValid()) {
                throw new LockLostException(handle.key(), handle.fencingToken());
            }
            return result;
        }
    }

    /** Calls {@code task}: runtime exceptions as they are, checked ones wrapped in {@link ServerException}. */
    static <T extends @Nullable Object> T call(CheckedSupplier<T> task) {
        try {
            return task.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw ServerException.wrapping(e);
        }
    }
}
