package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import dev.ballast.testkit.cache.TieredCacheContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cache contract on a replicated Redis of the test's own (Cluster or Sentinel), plus a failover of the primary
 * that holds the cache's keys under load. The failover test runs last: it leaves the topology without the killed
 * primary.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class FailoverTieredCacheContract extends TieredCacheContract {

    /** SIGKILLs the primary that holds this test's cache ({@link #name}) and waits until a replica replaced it. */
    protected abstract void killTheCachesPrimaryAndAwaitPromotion() throws Exception;

    /** The invalidation channel reaches another instance through the replicated topology (the primary of its keys). */
    @Test
    void aPutOnOneInstanceReachesAnotherInstancesL1ThroughTheReplicatedRedis() {
        TieredCache<String, Quote> first = create(settings().build());
        TieredCache<String, Quote> second = create(settings().build());
        second.get("005930", this::load);

        first.put("005930", new Quote("005930", "72000.00"));

        Eventually.within(
                Duration.ofSeconds(5),
                "the invalidation reached the second instance",
                () -> second.getIfPresent("005930").equals(Optional.of(new Quote("005930", "72000.00"))));
    }

    /**
     * Four instances read under load while the primary of the cache's keys is killed: no caller sees an error (the
     * breaker serves from L1 and the loader meanwhile), and once the replica is promoted the instances use L2 again
     * and forty concurrent misses of a new key across them still run the loader once.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void killingTheCachesPrimaryUnderLoadCostsNoCallerAnErrorAndSingleFlightHoldsAfterThePromotion() throws Exception {
        CacheSettings settings = settings().l2Timeout(Duration.ofMillis(500)).build();
        List<TieredCache<String, Quote>> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            instances.add(create(settings));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                TieredCache<String, Quote> cache = instances.get(t % 4);
                int reader = t;
                readers.add(pool.submit(() -> {
                    int i = 0;
                    while (running.get()) {
                        String key = "K" + (i++ % 50);
                        try {
                            if (reader == 0 && i % 10 == 0) {
                                cache.put(key, new Quote(key, "put"));
                            } else {
                                assertThat(cache.get(key, this::load)).isNotNull();
                            }
                            calls.incrementAndGet();
                        } catch (Throwable e) {
                            error.compareAndSet(null, e);
                        }
                    }
                }));
            }
            Eventually.within(Duration.ofSeconds(10), "the readers are running", () -> calls.get() > 1_000);

            killTheCachesPrimaryAndAwaitPromotion();
            int atPromotion = calls.get();
            Eventually.within(Duration.ofSeconds(15), "every instance uses L2 again", () -> instances.stream()
                    .allMatch(this::breakerClosed));
            Eventually.within(
                    Duration.ofSeconds(10),
                    "the readers go on after the promotion",
                    () -> calls.get() > atPromotion + 1_000);
            running.set(false);
            for (Future<?> reader : readers) {
                reader.get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(error.get()).as("an error seen by a caller").isNull();

        int before = loads.get();
        double localBefore =
                instances.stream().mapToDouble(this::coalescedLocally).sum();
        double acrossBefore =
                instances.stream().mapToDouble(this::coalescedAcrossInstances).sum();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(40)) {
            List<Future<Quote>> callers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                TieredCache<String, Quote> cache = instances.get(i % 4);
                callers.add(pool.submit(() -> {
                    start.await();
                    return cache.get("NEW", symbol -> {
                        release.await(10, TimeUnit.SECONDS);
                        return load(symbol);
                    });
                }));
            }
            start.countDown();
            Eventually.within(
                    Duration.ofSeconds(10),
                    "36 callers wait in their instance and 3 instances for the loading one",
                    () -> instances.stream().mapToDouble(this::coalescedLocally).sum() - localBefore == 36
                            && instances.stream()
                                                    .mapToDouble(this::coalescedAcrossInstances)
                                                    .sum()
                                            - acrossBefore
                                    == 3);
            release.countDown();
            for (Future<Quote> caller : callers) {
                assertThat(caller.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("NEW", "71200.00"));
            }
        }
        assertThat(loads.get() - before).as("loads of the new key").isEqualTo(1);
    }

    private boolean breakerClosed(TieredCache<?, ?> cache) {
        return registry(cache).get("ballast.cache.l2.breaker.state").gauge().value() == 0;
    }

    private double coalescedAcrossInstances(TieredCache<?, ?> cache) {
        return registry(cache)
                .get("ballast.cache.coalesced")
                .tag("scope", "cluster")
                .counter()
                .count();
    }
}
