package dev.ballast.core.internal;

import dev.ballast.core.TaskContext;
import org.jspecify.annotations.Nullable;

/** The {@link TaskContext} of the task running on the current thread. */
public final class CurrentTask {

    private static final ThreadLocal<@Nullable TaskContext> current = new ThreadLocal<>();

    private CurrentTask() {}

    /** The current context, or null. */
    public static @Nullable TaskContext get() {
        return current.get();
    }

    /** Makes {@code context} current and returns the one it replaces, to hand back to {@link #restore}. */
    public static @Nullable TaskContext enter(@Nullable TaskContext context) {
        TaskContext previous = current.get();
        current.set(context);
        return previous;
    }

    /**
     * Puts back the context {@link #enter} replaced. Sets null rather than removing the entry: a removed entry is
     * re-allocated by the next {@code set}, and the executor's disabled path must not allocate.
     */
    public static void restore(@Nullable TaskContext previous) {
        current.set(previous);
    }
}
