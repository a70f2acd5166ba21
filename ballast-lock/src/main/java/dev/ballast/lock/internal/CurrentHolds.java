package dev.ballast.lock.internal;

import dev.ballast.lock.LockHandle;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The locks the current thread holds inside {@code executeWithLock}/{@code executeWithLocks} (and so inside a
 * {@code @DistributedLock} method), for {@link dev.ballast.lock.FencedWrite#currentToken}, and which of them carried a
 * fenced write the database accepted ({@link #fencedWriteAccepted}). Nested holds stack.
 *
 * <p>Concurrency: a thread-local stack; only its own thread reads or changes it.
 */
public final class CurrentHolds {

    private static final ThreadLocal<@Nullable Deque<Frame>> HELD = new ThreadLocal<>();

    private CurrentHolds() {}

    /** One {@code executeWithLock(s)} call's holds, and per hold whether a fenced write with its token was accepted. */
    static final class Frame {
        private final List<LockHandle> held;
        private final boolean[] fenced;

        private Frame(List<LockHandle> held) {
            this.held = held;
            this.fenced = new boolean[held.size()];
        }

        /** Whether a fenced write carrying {@code handle}'s token was accepted while this frame was open. */
        boolean fenced(LockHandle handle) {
            for (int i = 0; i < held.size(); i++) {
                if (held.get(i) == handle) {
                    return fenced[i];
                }
            }
            return false;
        }
    }

    static Frame push(List<LockHandle> held) {
        Deque<Frame> stack = HELD.get();
        if (stack == null) {
            stack = new ArrayDeque<>();
            HELD.set(stack);
        }
        Frame frame = new Frame(held);
        stack.push(frame);
        return frame;
    }

    static void pop() {
        Deque<Frame> stack = HELD.get();
        if (stack != null) {
            stack.pop();
            if (stack.isEmpty()) {
                HELD.remove();
            }
        }
    }

    /** The fencing token of the innermost hold of {@code key} by this thread, or empty if it holds none. */
    public static OptionalLong tokenOf(String key) {
        Deque<Frame> stack = HELD.get();
        if (stack == null) {
            return OptionalLong.empty();
        }
        for (Frame frame : stack) {
            for (LockHandle handle : frame.held) {
                if (handle.key().equals(key)) {
                    return OptionalLong.of(handle.fencingToken());
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * A fenced write carrying {@code token} was accepted on this thread: the holds of this thread with that token had
     * their writes checked by the database, which refuses a write older than a newer holder's.
     */
    public static void fencedWriteAccepted(long token) {
        Deque<Frame> stack = HELD.get();
        if (stack == null) {
            return;
        }
        for (Frame frame : stack) {
            for (int i = 0; i < frame.held.size(); i++) {
                if (frame.held.get(i).fencingToken() == token) {
                    frame.fenced[i] = true;
                }
            }
        }
    }
}
