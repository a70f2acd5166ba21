package dev.ballast.cache;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/**
 * The one real-time wait of the cache tests, for what only a real server's timing decides (a pub/sub message arriving,
 * a breaker probing a restarted Redis): polls {@code condition} until it holds, failing after {@code bound}.
 */
final class Eventually {

    private Eventually() {}

    static void within(Duration bound, String what, BooleanSupplier condition) {
        Awaitility.await(what)
                .atMost(bound)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }
}
