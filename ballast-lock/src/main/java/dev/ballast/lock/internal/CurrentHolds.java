package dev.ballast.lock.internal;

import dev.ballast.lock.LockHandle;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The locks the current thread holds inside {@code executeWithLock}/{@code executeWithLocks} (and so inside a
 * {@code @DistributedLock} method), for {@link dev.ballast.lock.FencedWrite#currentToken}. Nested holds stack.
 *
 * <p>Concurrency: a thread-local stack; only its own thread reads or changes it.
 */
public final class CurrentHolds {

    private static final ThreadLocal<@Nullable Deque<List<LockHandle>>> HELD = new ThreadLocal<>();

    private CurrentHolds() {}

    static void push(List<LockHandle> held) {
        Deque<List<LockHandle>> stack = HELD.get();
        if (stack == null) {
            stack = new ArrayDeque<>();
            HELD.set(stack);
        }
        stack.push(held);
    }

    static void pop() {
        Deque<List<LockHandle>> stack = HELD.get();
        if (stack != null) {
            stack.pop();
            if (stack.isEmpty()) {
                HELD.remove();
            }
        }
    }

    /** The fencing token of the innermost hold of {@code key} by this thread, or empty if it holds none. */
    public static OptionalLong tokenOf(String key) {
        Deque<List<LockHandle>> stack = HELD.get();
        if (stack == null) {
            return OptionalLong.empty();
        }
        for (List<LockHandle> held : stack) {
            for (LockHandle handle : held) {
                if (handle.key().equals(key)) {
                    return OptionalLong.of(handle.fencingToken());
                }
            }
        }
        return OptionalLong.empty();
    }
}
