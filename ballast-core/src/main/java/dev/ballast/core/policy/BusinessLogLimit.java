package dev.ballast.core.policy;

import dev.ballast.core.BallastException;
import dev.ballast.core.TaskContext;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Fixed-window limit on failure lines of one kind (business, or infrastructure), per domain, task and exception type (and error code, for a {@link
 * BallastException}: "not found" and "conflict" are different answers).
 *
 * <p>Concurrency: any thread. Each key's window is guarded by its own monitor; the map of windows is bounded (when
 * it holds {@link #MAX_KEYS} keys it is emptied, which at worst lets one extra line per key through).
 */
final class BusinessLogLimit {

    static final int MAX_KEYS = 4096;

    private final int lines;
    private final long windowMillis;
    private final InstantSource clock;
    private final ConcurrentMap<Key, Window> windows = new ConcurrentHashMap<>();

    /** A limit with the same settings and no windows yet, for another kind of failure. */
    BusinessLogLimit fresh() {
        return new BusinessLogLimit(lines, Duration.ofMillis(windowMillis), clock);
    }

    /** A limit of one line per window, on the same window and clock, and no windows yet. */
    BusinessLogLimit oneLine() {
        return new BusinessLogLimit(1, Duration.ofMillis(windowMillis), clock);
    }

    BusinessLogLimit(int lines, Duration window, InstantSource clock) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines must be at least 1, was " + lines);
        }
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        this.lines = lines;
        this.windowMillis = window.toMillis();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Whether a line may be written now: -1 if not (it is counted), otherwise how many lines of the key were
     * suppressed since the last one written (0 for none).
     */
    long admit(TaskContext context, Throwable error) {
        String code =
                error instanceof BallastException known ? known.errorCode().code() : "";
        return admit(new Key(context.domain(), context.task(), error.getClass(), code));
    }

    /** As {@link #admit(TaskContext, Throwable)}, for a slow success of the context's domain and task. */
    long admitSlow(TaskContext context) {
        return admit(new Key(context.domain(), context.task(), Void.class, "slow"));
    }

    /** As {@link #admit(TaskContext, Throwable)}, with one window for every failure this limit is asked about. */
    long admitAny() {
        return admit(ANY);
    }

    private long admit(Key key) {
        Window window = windows.get(key);
        if (window == null) {
            if (windows.size() >= MAX_KEYS) {
                windows.clear();
            }
            window = windows.computeIfAbsent(key, k -> new Window());
        }
        long now = clock.millis();
        synchronized (window) {
            if (now - window.start >= windowMillis || now < window.start) {
                window.start = now;
                window.written = 0;
            }
            if (window.written >= lines) {
                window.suppressed++;
                return -1;
            }
            window.written++;
            long suppressed = window.suppressed;
            window.suppressed = 0;
            return suppressed;
        }
    }

    private static final Key ANY = new Key("", "", Throwable.class, "");

    private record Key(String domain, String task, Class<?> type, String code) {}

    private static final class Window {
        long start = Long.MIN_VALUE / 2;
        int written;
        long suppressed;
    }
}
