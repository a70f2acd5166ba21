package dev.ballast.testkit.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.cache.CacheException;
import dev.ballast.cache.CacheLoadTimeoutException;
import dev.ballast.cache.CacheLoader;
import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every tier configuration of {@link TieredCache} must do: one load per key however many callers miss it at once,
 * a loader's failure delivered to every waiter and never cached, the load-wait policies, negative caching for its TTL
 * only, oversized values refused, put/evict/clear, keys refused clearly, early refresh ahead of expiry on a hot key, and
 * no stale value cached by a load that raced with an evict.
 *
 * <p>A backend author proves a tier configuration (an L2 store, a Redis topology) by extending this class in a JUnit 5
 * test and supplying {@link #tier(TieredCache.Builder)}: the builder with the tier's parts added. A subclass may add
 * its own tests, built with {@link #create(CacheSettings)} so they share the contract's clock and clean-up.
 *
 * <p>Time is the contract's manual {@link #clock}, early refreshes run when a test steps them ({@link #refreshes}); only
 * load waits and the backend itself are real time. JUnit creates one instance per test method and runs its methods on
 * one thread; loaders may run on the contract's worker threads.
 *
 * <p>Its size (over the 350-line guide for main classes) is earned: it is the contract, a list of independent test
 * methods, one clause apiece, kept in one class so that a backend author reads all of it in one place.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class TieredCacheContract {

    /**
     * The value the contract caches, stored with {@link Codec#json(Class)}.
     *
     * @param symbol the key it was loaded for
     * @param price any text
     */
    public record Quote(String symbol, String price) {}

    /** Creates the contract; JUnit calls it once per test. */
    protected TieredCacheContract() {}

    /**
     * Adds the tier under test to a cache builder.
     *
     * @param builder a builder with the test's settings, codec, key mapping, clock, refresh executor and meter registry
     * @return {@code builder} with this tier's parts added (an L2 store, or nothing for L1 only)
     */
    protected abstract TieredCache.Builder<String, Quote> tier(TieredCache.Builder<String, Quote> builder);

    private final List<TieredCache<?, ?>> created = new ArrayList<>();
    private final IdentityHashMap<TieredCache<?, ?>, SimpleMeterRegistry> registries = new IdentityHashMap<>();
    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());

    /**
     * The caches' clock, moved only by the test ({@link #advance(Duration)}); it starts at the real time, so entries
     * written to a real server look current.
     */
    protected final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

    /** Runs the caches' early refreshes when a test steps them. */
    protected final StepExecutor refreshes = new StepExecutor();

    /**
     * Moves {@link #clock} forward.
     *
     * @param by how far
     */
    protected final void advance(Duration by) {
        now.addAndGet(by.toMillis());
    }

    /**
     * A new instance of a cache on the test's clock and refresh executor, with its own meter registry, closed after the
     * test.
     *
     * @param settings the cache's settings, usually from {@link #settings()}
     * @return the cache, with this tier added by {@link #tier(TieredCache.Builder)}
     */
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

    /**
     * The meter registry of a cache made by {@link #create}.
     *
     * @param cache the cache
     * @return its registry
     */
    protected final SimpleMeterRegistry registry(TieredCache<?, ?> cache) {
        return Objects.requireNonNull(registries.get(cache), "not made by create()");
    }

    /**
     * How many callers of a cache have waited for a load in this JVM so far.
     *
     * @param cache a cache made by {@link #create}
     * @return the {@code ballast.cache.coalesced} count with scope {@code local}
     */
    protected final double coalescedLocally(TieredCache<?, ?> cache) {
        return registry(cache)
                .get("ballast.cache.coalesced")
                .tag("scope", "local")
                .counter()
                .count();
    }

    /**
     * Waits (in real time, bounded) until {@code callers} callers of a cache wait for a load in this JVM.
     *
     * @param cache a cache made by {@link #create}
     * @param callers how many
     */
    protected final void awaitCoalescedLocally(TieredCache<?, ?> cache, int callers) {
        Eventually.within(
                Duration.ofSeconds(10),
                callers + " callers waiting for the load",
                () -> coalescedLocally(cache) == callers);
    }

    /**
     * Closes a cache the subclass built itself after the test.
     *
     * @param cache the cache
     */
    protected final void closeLater(TieredCache<?, ?> cache) {
        created.add(cache);
    }

    @AfterEach
    void closeCaches() {
        created.forEach(TieredCache::close);
    }

    /** The cache name of this test, random so tests sharing a server do not meet. */
    protected final String name = "t-" + UUID.randomUUID().toString().substring(0, 8);

    /** How many times {@link #load(String)} ran. */
    protected final AtomicInteger loads = new AtomicInteger();

    /**
     * The settings the contract's tests start from.
     *
     * @return a builder for a cache named {@link #name}
     */
    protected CacheSettings.Builder settings() {
        return CacheSettings.builder(name);
    }

    /**
     * The contract's loader: counts in {@link #loads}.
     *
     * @param symbol the key
     * @return a quote for it
     */
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

            assertThatThrownBy(first::get).cause().isSameAs(upstreamDown);
            assertThatThrownBy(waiter::get).cause().isSameAs(upstreamDown);
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
        advance(Duration.ofMillis(299));
        assertThat(cache.get("DELISTED", nothing)).isNull();
        assertThat(loads).as("still remembered 299 ms later").hasValue(1);
        advance(Duration.ofMillis(301));
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
            advance(Duration.ofMillis(30)); // the upstream takes 30 ms
            return new Quote(symbol, "71200.00");
        };
        cache.get("005930", slow);
        long end = clock.millis() + 3500;
        while (clock.millis() < end) { // a read every millisecond for 3.5 s
            advance(Duration.ofMillis(1));
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
