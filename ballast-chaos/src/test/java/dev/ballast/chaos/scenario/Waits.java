package dev.ballast.chaos.scenario;

import java.time.Duration;

/** Bounded polling for the scenarios, returning how long the condition took to hold. */
final class Waits {

    private Waits() {}

    /** A condition that may fail with anything while it does not hold yet. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} every 50 ms until it holds; fails naming {@code what} after {@code limit}. */
    static Duration until(String what, Duration limit, Condition condition) throws InterruptedException {
        long started = System.nanoTime();
        Exception last = null;
        while (System.nanoTime() - started < limit.toNanos()) {
            try {
                if (condition.holds()) {
                    return Duration.ofNanos(System.nanoTime() - started);
                }
            } catch (Exception notYet) {
                last = notYet;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(what + " not within " + limit + (last == null ? "" : ": " + last), last);
    }
}
