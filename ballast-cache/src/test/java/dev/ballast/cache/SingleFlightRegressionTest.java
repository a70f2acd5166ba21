package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regressions of the L1 single-flight found by the linearizability check (issue 15, item 9), each driven into its
 * window deterministically on an L1-only cache.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SingleFlightRegressionTest {

    private final HookedMeterRegistry registry = new HookedMeterRegistry();
    private final TieredCache<String, Quote> cache = TieredCache.<String, Quote>builder(
                    CacheSettings.builder("single-flight").earlyRefreshBeta(0).build(), Codec.json(Quote.class))
            .meterRegistry(registry)
            .build();
    private final AtomicInteger loads = new AtomicInteger();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void close() {
        pool.shutdownNow();
        cache.close();
    }

    private CacheLoader<String, Quote> loading(String price) {
        return symbol -> {
            loads.incrementAndGet();
            return new Quote(symbol, price);
        };
    }

    @Test
    void aCallerWhoMissedL1WhileAnotherLoadRanToTheEndDoesNotLoadAgain() throws Exception {
        CountDownLatch missed = new CountDownLatch(1);
        CountDownLatch otherLoadDone = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        registry.onL1Miss = () -> {
            if (first.compareAndSet(true, false)) { // hold the first caller between its miss and its registration
                missed.countDown();
                await(otherLoadDone);
            }
        };
        Future<Quote> late = pool.submit(() -> cache.get("005930", loading("second")));
        await(missed);

        Quote loaded = cache.get("005930", loading("first"));
        otherLoadDone.countDown();

        assertThat(late.get(10, TimeUnit.SECONDS)).as("the value already in L1").isEqualTo(loaded);
        assertThat(loads).as("loader runs").hasValue(1);
    }

    @Test
    void aPutThatCompletesWhileALoadOfTheKeyRunsIsNotLostWhenTheLoadEnds() throws Exception {
        CountDownLatch loaderStarted = new CountDownLatch(1);
        CountDownLatch putDone = new CountDownLatch(1);
        Future<Quote> load = pool.submit(() -> cache.get("005930", symbol -> {
            loaderStarted.countDown();
            await(putDone);
            return new Quote(symbol, "loaded-before-the-put");
        }));
        await(loaderStarted);

        cache.put("005930", new Quote("005930", "put"));
        putDone.countDown();
        load.get(10, TimeUnit.SECONDS);

        assertThat(cache.getIfPresent("005930")).contains(new Quote("005930", "put"));
        assertThat(cache.get("005930", loading("reloaded"))).isEqualTo(new Quote("005930", "put"));
    }

    @Test
    void aCallerArrivingAfterAnEvictDoesNotShareALoadThatStartedBeforeIt() throws Exception {
        CountDownLatch loaderStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<Quote> old = pool.submit(() -> cache.get("005930", symbol -> {
            loaderStarted.countDown();
            await(release);
            return new Quote(symbol, "before-evict");
        }));
        await(loaderStarted);
        cache.evict("005930");

        Future<Quote> after = pool.submit(() -> cache.get("005930", loading("after-evict")));
        Eventually.within(
                Duration.ofSeconds(5),
                "the second caller reached the running load",
                () -> registry.get("ballast.cache.coalesced")
                                .tag("scope", "local")
                                .counter()
                                .count()
                        == 1);
        release.countDown();

        assertThat(old.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "before-evict"));
        assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "after-evict"));
        assertThat(cache.getIfPresent("005930")).contains(new Quote("005930", "after-evict"));
    }

    /**
     * A put bumps the key's stamp inside the map's compute and publishes its value when that compute returns. A load
     * whose fill came in between gave up on the stamp alone and returned, so its caller's next get found neither
     * value in L1 and ran the loader again, with no evict in between (the Lincheck stress failure). The clock parks
     * the putting thread where Caffeine reads it inside that compute, after the stamp is bumped.
     */
    @Test
    void aLoadEndingWhileAPutOfTheKeyIsMidWriteLeavesNoMissForTheCallersNextGet() throws Exception {
        ParkingClock clock = new ParkingClock();
        try (TieredCache<String, Quote> local = TieredCache.<String, Quote>builder(
                        CacheSettings.builder("put-window").earlyRefreshBeta(0).build(), Codec.json(Quote.class))
                .clock(clock)
                .build()) {
            CountDownLatch loaderStarted = new CountDownLatch(1);
            CountDownLatch loaderMayEnd = new CountDownLatch(1);
            Quote[] seen = new Quote[2];
            Thread reader = Thread.ofPlatform().start(() -> {
                seen[0] = local.get("005930", symbol -> {
                    loads.incrementAndGet();
                    loaderStarted.countDown();
                    await(loaderMayEnd);
                    return new Quote(symbol, "loaded");
                });
                seen[1] = local.get("005930", loading("loaded-again"));
            });
            await(loaderStarted);
            Thread putter = Thread.ofPlatform().unstarted(() -> local.put("005930", new Quote("005930", "put")));
            clock.parkInsideMapCompute(putter);
            putter.start();
            await(clock.parked);

            loaderMayEnd.countDown();
            // the reader now waits on the key's lock that the parked put holds (its fill, or its second load's fill)
            Eventually.within(
                    Duration.ofSeconds(5),
                    "the reader waits for the put's lock",
                    () -> reader.getState() == Thread.State.BLOCKED);
            clock.release.countDown();
            putter.join(Duration.ofSeconds(10));
            reader.join(Duration.ofSeconds(10));

            assertThat(putter.isAlive() || reader.isAlive())
                    .as("threads still running")
                    .isFalse();
            assertThat(seen[0]).isEqualTo(new Quote("005930", "loaded"));
            assertThat(seen[1]).as("the next get after the load").isEqualTo(new Quote("005930", "put"));
            assertThat(loads).as("loader runs").hasValue(1);
        }
    }

    /**
     * A clock standing still that, once armed for a thread, parks it the first time that thread reads the clock inside
     * a {@link ConcurrentHashMap#compute} (Caffeine reads its ticker there after the remapping function ran).
     */
    private static final class ParkingClock implements InstantSource {
        private final long millis = System.currentTimeMillis();
        private final CountDownLatch parked = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private volatile @Nullable Thread armed;

        void parkInsideMapCompute(Thread thread) {
            armed = thread;
        }

        @Override
        public long millis() {
            if (Thread.currentThread() == armed && insideMapCompute()) {
                armed = null;
                parked.countDown();
                await(release);
            }
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        private static boolean insideMapCompute() {
            return StackWalker.getInstance()
                    .walk(frames -> frames.anyMatch(f -> f.getClassName().equals(ConcurrentHashMap.class.getName())
                            && f.getMethodName().equals("compute")));
        }
    }

    /** Awaits {@code latch}, failing the test after 10 s; shared with the other single-flight tests. */
    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
