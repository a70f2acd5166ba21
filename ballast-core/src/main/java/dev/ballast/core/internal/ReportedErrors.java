package dev.ballast.core.internal;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Remembers which exceptions an executor's policies have already reported, so an exception travelling out through
 * several nested executors (possibly wrapped on the way) is logged once, by the innermost one. Weak keys: an exception
 * is forgotten when nobody holds it any more. Throwable does not override equals, so lookups are by identity. Touched
 * only on failure paths.
 */
public final class ReportedErrors {

    private static final int MAX_CAUSE_DEPTH = 16;
    private static final Map<Throwable, Boolean> reported = Collections.synchronizedMap(new WeakHashMap<>());

    private ReportedErrors() {}

    /** Records that {@code error} has been reported. */
    public static void markReported(Throwable error) {
        reported.put(error, Boolean.TRUE);
    }

    /** True if {@code error} or one of its causes has been reported. */
    public static boolean isReported(Throwable error) {
        Throwable current = error;
        for (int depth = 0; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
            if (reported.containsKey(current)) {
                return true;
            }
            current = current.getCause();
        }
        return false;
    }
}
