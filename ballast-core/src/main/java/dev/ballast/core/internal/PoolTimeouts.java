package dev.ballast.core.internal;

import java.sql.SQLTransientConnectionException;
import org.jspecify.annotations.Nullable;

/**
 * Recognises a connection pool that gave no connection within its timeout while the database itself was reachable: an
 * overloaded instance's back-pressure, answered 503 with {@code Retry-After}, not a fault to investigate. Matched for
 * HikariCP by where the exception was made (its pool's {@code createTimeoutException}), so core does not depend on
 * it: a {@link SQLTransientConnectionException} without a cause. When the pool could not connect to the database,
 * HikariCP sets that failure as the cause; that is an outage and is not matched.
 */
public final class PoolTimeouts {

    private static final String HIKARI_POOL = "com.zaxxer.hikari.pool.HikariPool";

    private PoolTimeouts() {}

    /** The pool timeout in {@code error}'s cause chain, or null when there is none. */
    public static @Nullable SQLTransientConnectionException find(Throwable error) {
        return (SQLTransientConnectionException) Throwables.firstInCauseChain(error, PoolTimeouts::isPoolTimeout);
    }

    private static boolean isPoolTimeout(Throwable error) {
        return error instanceof SQLTransientConnectionException timeout
                && timeout.getCause() == null
                && madeByHikariPool(timeout);
    }

    private static boolean madeByHikariPool(Throwable error) {
        StackTraceElement[] stack = error.getStackTrace();
        return stack.length > 0 && stack[0].getClassName().equals(HIKARI_POOL);
    }
}
