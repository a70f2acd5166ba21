package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.test.Eventually;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Several instances (own Redis clients, own L1s) of one cache on the machine's Redis. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterTieredCacheIT {

    private final String name = "c-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<RedisClient> clients = new ArrayList<>();
    private final List<TieredCache<?, ?>> caches = new ArrayList<>();
    private final RedisClient rawClient = RedisClient.create("redis://127.0.0.1:6379");
    private final StatefulRedisConnection<String, String> rawConnection = rawClient.connect();
    private final RedisCommands<String, String> raw = rawConnection.sync();
    private final AtomicInteger loads = new AtomicInteger();
    /** Shared by the instances, like hosts whose clocks agree; moved by the tests that need time to pass. */
    private final ManualClock clock = new ManualClock();

    @AfterEach
    void close() {
        caches.forEach(TieredCache::close);
        clients.forEach(RedisClient::shutdown);
        rawConnection.close();
        rawClient.shutdown();
    }

    private TieredCache<String, Quote> instance(CacheSettings settings, SimpleMeterRegistry registry) {
        RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        clients.add(client);
        TieredCache<String, Quote> cache = TieredCache.<String, Quote>builder(settings, Codec.json(Quote.class))
                .redis(client)
                .clock(clock)
                .meterRegistry(registry)
                .build();
        caches.add(cache);
        return cache;
    }

    private TieredCache<String, Quote> instance(CacheSettings settings) {
        return instance(settings, new SimpleMeterRegistry());
    }

    private Quote load(String symbol) {
        loads.incrementAndGet();
        return new Quote(symbol, "71200.00");
    }

    @Test
    void fourInstancesMissingOneKeyTogetherRunTheLoaderOnceClusterWide() throws Exception {
        CacheSettings settings = CacheSettings.builder(name).build();
        List<SimpleMeterRegistry> registries = new ArrayList<>();
        List<TieredCache<String, Quote>> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registries.add(registry);
            instances.add(instance(settings, registry));
        }
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch allWaiting = new CountDownLatch(1);
        CacheLoader<String, Quote> gated = symbol -> {
            allWaiting.await(10, TimeUnit.SECONDS); // the load lasts until the 39 other callers wait for it
            return load(symbol);
        };
        try (ExecutorService pool = Executors.newFixedThreadPool(40)) {
            List<Future<Quote>> callers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                TieredCache<String, Quote> cache = instances.get(i % 4);
                callers.add(pool.submit(() -> {
                    start.await();
                    return cache.get("005930", gated);
                }));
            }
            start.countDown();
            Eventually.within(
                    Duration.ofSeconds(10),
                    "3 instances wait for the loading one, 36 callers for their instance's flight",
                    () -> coalesced(registries, "cluster") == 3 && coalesced(registries, "local") == 36);
            allWaiting.countDown();
            for (Future<Quote> caller : callers) {
                assertThat(caller.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "71200.00"));
            }
        }

        assertThat(loads).hasValue(1);
        double clusterWaits = coalesced(registries, "cluster");
        assertThat(clusterWaits).as("instances that waited for another's load").isEqualTo(3);
    }

    private static double coalesced(List<SimpleMeterRegistry> registries, String scope) {
        return registries.stream()
                .mapToDouble(r -> r.get("ballast.cache.coalesced")
                        .tag("scope", scope)
                        .counter()
                        .count())
                .sum();
    }

    @Test
    void whenTheLoadingInstanceDiesItsLeaseRunsOutAndAnotherTakesOver() {
        CacheSettings settings =
                CacheSettings.builder(name).loadLease(Duration.ofMillis(600)).build();
        String leaseKey = "ballast:cache:" + name + ":v1#lease:005930";
        raw.set(leaseKey, "token-of-a-dead-instance", SetArgs.Builder.px(600));
        TieredCache<String, Quote> survivor = instance(settings);

        Quote quote = survivor.get("005930", symbol -> {
            assertThat(raw.get(leaseKey))
                    .as("loads only once the dead lease is gone")
                    .isNotEqualTo("token-of-a-dead-instance");
            return load(symbol);
        });

        assertThat(quote).isEqualTo(new Quote("005930", "71200.00"));
        assertThat(loads).hasValue(1);
        assertThat(raw.exists(leaseKey)).as("lease given back").isZero();
    }

    @Test
    void aWaiterWhoseWaitRunsOutIsServedTheStaleValue() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheSettings settings = CacheSettings.builder(name)
                .l2Ttl(Duration.ofMillis(200))
                .ttlJitter(0)
                .staleTtl(Duration.ofMinutes(1))
                .loadWait(Duration.ofMillis(300), CacheSettings.WaitTimeoutPolicy.FAIL)
                .build();
        instance(settings).put("005930", new Quote("005930", "70000.00"));
        clock.advance(Duration.ofMillis(300)); // logically expired, still in Redis for stale serving
        raw.set("ballast:cache:" + name + ":v1#lease:005930", "busy-instance", SetArgs.Builder.px(30_000));
        TieredCache<String, Quote> waiter = instance(settings, registry);

        Quote quote = waiter.get("005930", this::load);

        assertThat(quote).isEqualTo(new Quote("005930", "70000.00"));
        assertThat(loads).hasValue(0);
        assertThat(registry.get("ballast.cache.stale.served").counter().count()).isEqualTo(1);
    }

    @Test
    void withoutAStaleValueAWaiterWhoseWaitRunsOutFollowsThePolicy() {
        CacheSettings settings = CacheSettings.builder(name)
                .loadWait(Duration.ofMillis(200), CacheSettings.WaitTimeoutPolicy.FAIL)
                .build();
        raw.set("ballast:cache:" + name + ":v1#lease:005930", "busy-instance", SetArgs.Builder.px(30_000));
        TieredCache<String, Quote> waiter = instance(settings);

        assertThatThrownBy(() -> waiter.get("005930", this::load))
                .isInstanceOf(CacheLoadTimeoutException.class)
                .hasMessageContaining("200 ms");
        assertThat(loads).hasValue(0);
    }

    @Test
    void aLoadThatRacesWithAPutOnAnotherInstanceDoesNotWriteItsOldValueBack() throws Exception {
        CacheSettings settings = CacheSettings.builder(name).build();
        TieredCache<String, Quote> loader = instance(settings);
        TieredCache<String, Quote> writer = instance(settings);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(1)) {
            Future<Quote> old = pool.submit(() -> loader.get("005930", symbol -> {
                loading.countDown();
                written.await();
                return new Quote(symbol, "old");
            }));
            loading.await();
            writer.put("005930", new Quote("005930", "new"));
            written.countDown();
            assertThat(old.get(5, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "old"));
        }

        assertThat(loader.getIfPresent("005930")).contains(new Quote("005930", "new"));
        assertThat(instance(settings).getIfPresent("005930")).contains(new Quote("005930", "new"));
    }

    @Test
    void aPutOrEvictOnOneInstanceRemovesTheEntryFromTheOthersL1() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheSettings settings = CacheSettings.builder(name).build();
        TieredCache<String, Quote> first = instance(settings);
        TieredCache<String, Quote> second = instance(settings, registry);
        second.get("005930", this::load); // now in second's L1

        first.put("005930", new Quote("005930", "72000.00"));
        await(() -> second.getIfPresent("005930").equals(java.util.Optional.of(new Quote("005930", "72000.00"))));
        first.evict("005930");
        await(() -> second.getIfPresent("005930").isEmpty());

        assertThat(registry.get("ballast.cache.invalidations")
                        .tag("direction", "received")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("ballast.cache.invalidation.delay").timer().count())
                .isEqualTo(2);
    }

    @Test
    void aLostInvalidationIsDetectedByTheNextMessageNumberAndClearsL1() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TieredCache<String, Quote> second = instance(CacheSettings.builder(name).build(), registry);
        second.get("005930", this::load);
        raw.del("ballast:cache:" + name + ":v1:005930"); // the change whose message is lost
        raw.incr("ballast:cache:" + name + "#seq"); // ... and its number

        instance(CacheSettings.builder(name).build()).evict("OTHER"); // the next message reveals the gap

        await(() -> second.getIfPresent("005930").isEmpty());
        assertThat(registry.get("ballast.cache.l1.resyncs")
                        .tag("reason", "gap")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aLostInvalidationWithNoLaterMessageIsDetectedByThePeriodicCheck() throws Exception {
        TieredCache<String, Quote> second = instance(CacheSettings.builder(name).build());
        second.get("005930", this::load);
        raw.del("ballast:cache:" + name + ":v1:005930");
        raw.incr("ballast:cache:" + name + "#seq");

        long start = System.nanoTime();
        await(() -> second.getIfPresent("005930").isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    private static void await(BooleanSupplier condition) {
        Eventually.within(Duration.ofSeconds(5), "the invalidation arrived", condition);
    }
}
