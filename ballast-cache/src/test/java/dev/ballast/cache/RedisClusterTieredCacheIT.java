package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import dev.ballast.test.RedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cache contract with L2 on a Redis Cluster of the test's own (3 primaries, 3 replicas), plus what only a cluster
 * can show: one slot per cache, scripts re-loaded after {@code SCRIPT FLUSH}, and a failover of the cache's primary
 * under load (runs last: it leaves the cluster with five nodes).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterTieredCacheIT extends TieredCacheContract {

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create();

    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> raw;

    @BeforeAll
    static void connect() {
        client = RedisClusterClient.create(
                cluster.uris().stream().map(RedisURI::create).toList());
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .enablePeriodicRefresh(Duration.ofSeconds(1))
                        .build())
                .build());
        raw = client.connect();
    }

    @AfterAll
    static void close() {
        raw.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    protected TieredCache.Builder<String, Quote> tier(TieredCache.Builder<String, Quote> builder) {
        return builder.redis(client);
    }

    @Test
    void everyKeyOfACacheIsInTheSlotOfItsNameSoEachScriptRunsOnOneNode() {
        TieredCache<String, Quote> cache = create(settings().build());
        cache.get("005930", this::load);
        cache.get("000660", this::load);
        cache.evict("000660"); // creates the invalidation counter

        int slot = SlotHash.getSlot("{" + name + "}");
        List<String> keys = raw.sync().keys("ballast:cache:{" + name + "}*");
        assertThat(keys)
                .contains("ballast:cache:{" + name + "}:v1:005930", "ballast:cache:{" + name + "}#seq")
                .allSatisfy(key -> assertThat(SlotHash.getSlot(key)).isEqualTo(slot));
        assertThat(SlotHash.getSlot("ballast:cache:{" + name + "}:v1#lease:005930"))
                .isEqualTo(slot);
    }

    @Test
    void aPutOnOneInstanceReachesAnotherInstancesL1AcrossTheCluster() {
        TieredCache<String, Quote> first = create(settings().build());
        TieredCache<String, Quote> second = create(settings().build());
        second.get("005930", this::load);

        first.put("005930", new Quote("005930", "72000.00"));

        Eventually.within(
                Duration.ofSeconds(5),
                "the invalidation reached the second instance",
                () -> second.getIfPresent("005930").equals(Optional.of(new Quote("005930", "72000.00"))));
    }

    @Test
    void scriptsFlushedFromEveryNodeAreLoadedAgainWithoutAnError() {
        TieredCache<String, Quote> first = create(settings().build());
        TieredCache<String, Quote> second = create(settings().build());
        first.get("005930", this::load);

        raw.sync().scriptFlush(); // every primary forgets the scripts, as a promoted replica that never ran them

        first.put("005930", new Quote("005930", "72000.00"));
        assertThat(second.get("005930", this::load)).isEqualTo(new Quote("005930", "72000.00"));
        assertThat(second.get("000660", this::load)).isEqualTo(new Quote("000660", "71200.00"));
        assertThat(loads).hasValue(2);
        assertThat(l2Errors(first) + l2Errors(second)).isZero();
    }

    /**
     * Four instances read under load while the primary of the cache's slot is killed: no caller sees an error (the
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

            int victim = cluster.primaryPortOf("{" + name + "}");
            int promoted = cluster.killPrimaryAndAwaitPromotion(victim);
            assertThat(cluster.primaryPortOf("{" + name + "}")).isEqualTo(promoted);
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

    private double l2Errors(TieredCache<?, ?> cache) {
        return registry(cache).find("ballast.cache.l2.errors").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private double coalescedAcrossInstances(TieredCache<?, ?> cache) {
        return registry(cache)
                .get("ballast.cache.coalesced")
                .tag("scope", "cluster")
                .counter()
                .count();
    }
}
