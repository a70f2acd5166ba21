package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every tier configuration of {@link TieredCache} must do. Time is the test's {@link ManualClock}, early
 * refreshes run when the test steps them ({@link StepExecutor}); only load waits and Redis are real time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class TieredCacheContract {

    /** {@code builder} with this tier's parts added (Redis or nothing). */
    protected abstract TieredCache.Builder<String, Quote> tier(TieredCache.Builder<String, Quote> builder);

    private final List<TieredCache<?, ?>> created = new ArrayList<>();
    private final Map<TieredCache<?, ?>, SimpleMeterRegistry> registries = new IdentityHashMap<>();
    protected final ManualClock clock = new ManualClock();
    protected final StepExecutor refreshes = new StepExecutor();

    /** A new instance of a cache with {@code settings}, on the test's clock, with its own meter registry. */
    protected final TieredCache<String, Quote> create(CacheSettings settings) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TieredCache<String, Quote> cache = tier(TieredCache.<String, Quote>builder(settings, Codec.json(Quote.class))
                        .keys(key -> key)
                        .clock(clock)
                        .refreshExecutor(refreshes)
                        .meterRegistry(registry))
                .build();
        created.add(cache);
        registries.put(cache, registry);
        return cache;
    }

    /** The meter registry of {@code cache}, an instance made by {@link #create}. */
    protected final SimpleMeterRegistry registry(TieredCache<?, ?> cache) {
        return registries.get(cache);
    }

    /** How many callers of {@code cache} have waited for a load in this JVM so far. */
    protected final double coalescedLocally(TieredCache<?, ?> cache) {
        return registries
                .get(cache)
                .get("ballast.cache.coalesced")
                .tag("scope", "local")
                .counter()
                .count();
    }

    protected final void awaitCoalescedLocally(TieredCache<?, ?> cache, int callers) {
        Eventually.within(
                Duration.ofSeconds(10),
                callers + " callers waiting for the load",
                () -> coalescedLocally(cache) == callers);
    }

    protected final void closeLater(TieredCache<?, ?> cache) {
        created.add(cache);
    }

    @AfterEach
    void closeCaches() {
        created.forEach(TieredCache::close);
    }

    protected final String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
    protected final AtomicInteger loads = new AtomicInteger();

    protected CacheSettings.Builder settings() {
        return CacheSettings.builder(name);
    }

    protected Quote load(String symbol) {
        loads.incrementAndGet();
        return new Quote(symbol, "71200.00");
    }

    @Test
    void loadsOnceThenServesFromTheCache() {
        TieredCache<String, Quote> cache = create(settings().build());

        assertThat(cache.get("005930", this::load)).isEqualTo(new Quote("005930", "71200.00"));
        assertThat(cache.get("005930", this::load)).isEqualTo(new Quote("005930", "71200.00"));
        assertThat(cache.getIfPresent("005930")).contains(new Quote("005930", "71200.00"));
        assertThat(loads).hasValue(1);
    }

    @Test
    void concurrentMissesOfOneKeyRunTheLoaderOnceAndShareItsResult() throws Exception {
        TieredCache<String, Quote> cache = create(settings().build());
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch othersWaiting = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
            List<Future<Quote>> callers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                callers.add(pool.submit(() -> {
                    start.await();
                    return cache.get("000660", symbol -> {
                        othersWaiting.await(10, TimeUnit.SECONDS); // the load lasts until the other 31 wait for it
                        return load(symbol);
                    });
                }));
            }
            start.countDown();
            awaitCoalescedLocally(cache, 31);
            othersWaiting.countDown();
            for (Future<Quote> caller : callers) {
                assertThat(caller.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("000660", "71200.00"));
            }
        }
        assertThat(loads).hasValue(1);
    }

    @Test
    void aLoaderFailureReachesEveryWaiterAndIsNotCached() throws Exception {
        TieredCache<String, Quote> cache = create(settings().build());
        IllegalStateException upstreamDown = new IllegalStateException("market data feed down");
        CountDownLatch loaderStarted = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<Quote> first = pool.submit(() -> cache.get("AAPL", symbol -> {
                loaderStarted.countDown();
                fail.await(10, TimeUnit.SECONDS);
                throw upstreamDown;
            }));
            loaderStarted.await();
            Future<Quote> waiter = pool.submit(() -> cache.get("AAPL", this::load));
            awaitCoalescedLocally(cache, 1);
            fail.countDown();

            assertThatThrownBy(first::get).hasCauseReference(upstreamDown);
            assertThatThrownBy(waiter::get).hasCauseReference(upstreamDown);
        }
        assertThat(cache.get("AAPL", this::load)).isEqualTo(new Quote("AAPL", "71200.00"));
    }

    @Test
    void aWaiterFailsClearlyWhenTheOtherLoadOutlastsTheWaitAndThePolicyIsFail() throws Exception {
        TieredCache<String, Quote> cache = create(settings()
                .loadWait(Duration.ofMillis(100), CacheSettings.WaitTimeoutPolicy.FAIL)
                .build());
        CountDownLatch loaderStarted = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(1)) {
            Future<Quote> slow = pool.submit(() -> cache.get("MSFT", symbol -> {
                loaderStarted.countDown();
                finish.await(10, TimeUnit.SECONDS); // outlasts the waiter's 100 ms
                return load(symbol);
            }));
            loaderStarted.await();

            assertThatThrownBy(() -> cache.get("MSFT", this::load))
                    .isInstanceOf(CacheLoadTimeoutException.class)
                    .hasMessageContaining("did not finish within 100 ms");
            finish.countDown();
            assertThat(slow.get(5, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void aWaiterLoadsItselfWhenTheOtherLoadOutlastsTheWaitByDefaultPolicy() throws Exception {
        TieredCache<String, Quote> cache = create(settings()
                .loadWait(Duration.ofMillis(100), CacheSettings.WaitTimeoutPolicy.LOAD_YOURSELF)
                .build());
        CountDownLatch loaderStarted = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(1)) {
            Future<Quote> slow = pool.submit(() -> cache.get("NVDA", symbol -> {
                loaderStarted.countDown();
                finish.await(10, TimeUnit.SECONDS); // outlasts the waiter's 100 ms
                return load(symbol);
            }));
            loaderStarted.await();

            assertThat(cache.get("NVDA", this::load)).isEqualTo(new Quote("NVDA", "71200.00"));
            finish.countDown();
            slow.get(5, TimeUnit.SECONDS);
        }
        assertThat(loads).hasValue(2);
    }

    @Test
    void noValueIsRememberedForTheNegativeTtlOnly() {
        TieredCache<String, Quote> cache =
                create(settings().negativeTtl(Duration.ofMillis(300)).build());
        CacheLoader<String, Quote> nothing = symbol -> {
            loads.incrementAndGet();
            return null;
        };

        assertThat(cache.get("DELISTED", nothing)).isNull();
        assertThat(cache.get("DELISTED", nothing)).isNull();
        assertThat(loads).hasValue(1);
        clock.advance(Duration.ofMillis(299));
        assertThat(cache.get("DELISTED", nothing)).isNull();
        assertThat(loads).as("still remembered 299 ms later").hasValue(1);
        clock.advance(Duration.ofMillis(301));
        assertThat(cache.get("DELISTED", nothing)).isNull();
        assertThat(loads).hasValue(2);
    }

    @Test
    void anOversizedValueIsRejectedOnPutAndNeverWritten() {
        TieredCache<String, Quote> cache = create(settings().maxValueBytes(64).build());

        assertThatThrownBy(() -> cache.put("BIG", new Quote("BIG", "9".repeat(200))))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("over the limit of 64; not stored");
        assertThat(cache.getIfPresent("BIG")).isEmpty();
    }

    @Test
    void putEvictAndClear() {
        TieredCache<String, Quote> cache = create(settings().build());
        cache.put("A", new Quote("A", "1.00"));
        cache.put("B", new Quote("B", "2.00"));

        assertThat(cache.getIfPresent("A")).contains(new Quote("A", "1.00"));
        cache.evict("A");
        assertThat(cache.getIfPresent("A")).isEmpty();
        cache.clear();
        assertThat(cache.getIfPresent("B")).isEmpty();
    }

    @Test
    void keysThatCannotBeStoredAreRefusedClearly() {
        TieredCache<String, Quote> cache = create(settings().build());

        assertThatThrownBy(() -> cache.get("", this::load)).hasMessageContaining("1 to 1024 characters");
        assertThatThrownBy(() -> cache.get("a\nb", this::load)).hasMessageContaining("control characters");
    }

    @Test
    void steadyTrafficOnAHotKeyNeverSeesAMissBecauseEarlyRefreshRunsFirst() {
        TieredCache<String, Quote> cache = create(settings()
                .l1Ttl(Duration.ofSeconds(1))
                .l2Ttl(Duration.ofSeconds(1))
                .ttlJitter(0)
                .build());
        AtomicInteger callerLoads = new AtomicInteger();
        AtomicInteger backgroundLoads = new AtomicInteger();
        CacheLoader<String, Quote> slow = symbol -> {
            (refreshes.inBackground() ? backgroundLoads : callerLoads).incrementAndGet();
            clock.advance(Duration.ofMillis(30)); // the upstream takes 30 ms
            return new Quote(symbol, "71200.00");
        };
        cache.get("005930", slow);
        long end = clock.millis() + 3500;
        while (clock.millis() < end) { // a read every millisecond for 3.5 s
            clock.advance(Duration.ofMillis(1));
            assertThat(cache.get("005930", slow)).isNotNull();
            refreshes.runPending(); // what that read started in the background, before the next read
        }

        assertThat(callerLoads).as("loads a caller had to wait for").hasValue(1);
        assertThat(backgroundLoads.get())
                .as("early refreshes in 3.5 s at a 1 s TTL")
                .isBetween(2, 6);
    }

    @Test
    void aLoadThatRacesWithAnEvictDoesNotCacheItsOldValue() throws Exception {
        TieredCache<String, Quote> cache = create(settings().build());
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch evicted = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(1)) {
            Future<Quote> old = pool.submit(() -> cache.get("005930", symbol -> {
                loading.countDown();
                evicted.await();
                return new Quote(symbol, "old");
            }));
            loading.await();
            cache.evict("005930");
            evicted.countDown();

            assertThat(old.get(5, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "old"));
        }
        assertThat(cache.getIfPresent("005930")).isEmpty();
    }
}
