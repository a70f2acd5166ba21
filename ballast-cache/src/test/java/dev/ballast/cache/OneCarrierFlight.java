package dev.ballast.cache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Run by {@link LocalFlightsOnVirtualThreadsTest} in a JVM of its own whose virtual threads share one carrier: a flight
 * hands its value out and then waits for its "L2 write" (parked, off the carrier); the key is invalidated; a second
 * caller arrives, finds the flight begun before the invalidation and must let it end. The write then completes, and
 * the flight needs the carrier to finish. Prints the second caller's value and exits 0, or exits 2 if it has none
 * within 15 s.
 */
final class OneCarrierFlight {

    private OneCarrierFlight() {}

    public static void main(String[] args) throws Exception {
        CacheSettings settings = CacheSettings.builder("one-carrier")
                .loadWait(Duration.ofSeconds(20), CacheSettings.WaitTimeoutPolicy.FAIL)
                .earlyRefreshBeta(0)
                .build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheMeters meters = new CacheMeters(registry, settings.name());
        L1 l1 = new L1(settings, null, meters, false);
        LocalFlights flights = new LocalFlights(settings, l1, meters, InstantSource.system());
        long until = System.currentTimeMillis() + 60_000;
        Slot before = Slot.of("before-invalidation", false, 1, until, 0);
        Slot after = Slot.of("after-invalidation", false, 1, until, 0);

        CompletableFuture<Void> handedOut = new CompletableFuture<>();
        CompletableFuture<Void> l2Written = new CompletableFuture<>();
        Thread.ofVirtual()
                .start(() -> flights.loadOrJoin("ACME", () -> before, (k, load, stamp, handOut) -> {
                    handOut.accept(before);
                    handedOut.complete(null);
                    l2Written.join(); // the write of the value to L2, still under way
                    return before;
                }));
        handedOut.get(10, TimeUnit.SECONDS);
        l1.invalidate("ACME");

        CompletableFuture<Slot> second = new CompletableFuture<>();
        Thread.ofVirtual()
                .start(() -> second.complete(
                        flights.loadOrJoin("ACME", () -> after, (k, load, stamp, handOut) -> load.run())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (registry.get("ballast.cache.coalesced")
                        .tag("scope", "local")
                        .counter()
                        .count()
                < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the second caller never reached the flight");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        l2Written.complete(null);
        try {
            System.out.println(
                    "second caller got " + second.get(15, TimeUnit.SECONDS).value());
            System.exit(0);
        } catch (TimeoutException e) {
            System.out.println("second caller got nothing within 15 s");
            Runtime.getRuntime().halt(2); // a spinning virtual thread would keep the JVM alive
        }
    }
}
