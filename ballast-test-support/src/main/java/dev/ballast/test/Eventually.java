package dev.ballast.test;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/**
 * The one real-time wait of Ballast's tests, for what only a real server's or a real thread's timing decides (a message
 * arriving, a worker thread reaching its wait, a breaker probing a restarted server): polls a condition until it holds
 * and fails after a bound, naming what it waited for. Time that a test can drive (leases, backoffs, pauses) is advanced
 * on an injected clock instead. Never use it to show that something did <em>not</em> happen. Thread-safe.
 */
public final class Eventually {

    private Eventually() {}

    /** Polls {@code condition} every 10 ms until it holds; fails after {@code bound}, naming {@code what}. */
    public static void within(Duration bound, String what, BooleanSupplier condition) {
        Awaitility.await(what)
                .atMost(bound)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }
}
