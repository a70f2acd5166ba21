package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import java.sql.SQLException;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Bounded polling for the scenarios (Awaitility), returning how long the condition took to hold. */
final class Waits {

    private Waits() {}

    /** A condition that may fail with anything while it does not hold yet. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} every 50 ms until it holds; fails naming {@code what} after {@code limit}. */
    static Duration until(String what, Duration limit, Condition condition) {
        long started = System.nanoTime();
        Awaitility.await(what)
                .atMost(limit)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(condition::holds);
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /**
     * As {@link #until}, but returns whether {@code condition} came to hold instead of failing: for a wait before the
     * checkers, so that a run whose condition never holds (e.g. events lost) is reported by the checkers' evidence.
     */
    static boolean within(String what, Duration limit, Condition condition) {
        try {
            until(what, limit, condition);
            return true;
        } catch (ConditionTimeoutException notYet) {
            return false;
        }
    }

    /**
     * Waits up to 60 s for the example's consumer to settle {@code orders} orders (without failing: a shortfall is for
     * the checkers to report with their evidence), then counts the settlement rows.
     */
    static long settlements(BrokerageCluster cluster, long orders) throws SQLException {
        within(
                "every order settled by the example's consumer",
                Duration.ofSeconds(60),
                () -> cluster.count("SELECT COUNT(*) FROM settlement") >= orders);
        return cluster.count("SELECT COUNT(*) FROM settlement");
    }
}
