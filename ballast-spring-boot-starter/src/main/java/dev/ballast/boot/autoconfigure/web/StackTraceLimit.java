package dev.ballast.boot.autoconfigure.web;

import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * How many stack traces {@link BallastProblemHandler} writes for failures no Ballast task logged: at most {@link #LINES}
 * per exception class in each {@link #WINDOW_MILLIS} window. During an outage every request that reaches the database
 * outside a task fails the same way; without a limit each one wrote an ERROR line with its whole stack trace.
 *
 * <p>The same fixed-window count as the executor's failure-line limit ({@code dev.ballast.core.policy.BusinessLogLimit},
 * keyed by task there): that one is package-private in the core module and other modules may not use its internals,
 * so sharing it would mean a new public type in the core's API for a dozen lines.
 *
 * <p>Concurrency: any thread. Each class's window is guarded by its own monitor; the map is bounded (emptied when it
 * holds {@link #MAX_KEYS} classes, which at worst lets a few extra stack traces through).
 */
final class StackTraceLimit {

    /** Stack traces written per exception class in each window. */
    static final int LINES = 5;

    /** The window, in milliseconds. */
    static final long WINDOW_MILLIS = 10_000;

    static final int MAX_KEYS = 1024;

    private final InstantSource clock;
    private final ConcurrentMap<Class<?>, Window> windows = new ConcurrentHashMap<>();

    StackTraceLimit(InstantSource clock) {
        this.clock = clock;
    }

    /**
     * Whether a failure of {@code type} may be logged with its stack trace now: -1 if not (it is counted), otherwise
     * how many of that class were logged without one since the last stack trace (0 for none).
     */
    long admit(Class<?> type) {
        Window window = windows.get(type);
        if (window == null) {
            if (windows.size() >= MAX_KEYS) {
                windows.clear();
            }
            window = windows.computeIfAbsent(type, t -> new Window());
        }
        long now = clock.millis();
        synchronized (window) {
            if (now - window.start >= WINDOW_MILLIS || now < window.start) {
                window.start = now;
                window.written = 0;
            }
            if (window.written >= LINES) {
                window.suppressed++;
                return -1;
            }
            window.written++;
            long suppressed = window.suppressed;
            window.suppressed = 0;
            return suppressed;
        }
    }

    private static final class Window {
        long start = Long.MIN_VALUE / 2;
        int written;
        long suppressed;
    }
}
