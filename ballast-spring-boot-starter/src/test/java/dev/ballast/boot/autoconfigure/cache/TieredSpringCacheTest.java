package dev.ballast.boot.autoconfigure.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.cache.Cache;
import org.springframework.cache.Cache.ValueRetrievalException;
import org.springframework.cache.support.SimpleValueWrapper;

/** The Spring {@link Cache} contract of {@link TieredSpringCache}, as docs/cache.md's Spring section states it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TieredSpringCacheTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TieredCache<Object, Object> tiered = TieredCache.builder(
                    CacheSettings.builder("quotes").build(), Codec.json(Object.class))
            .meterRegistry(registry)
            .build();
    private final Cache cache = new TieredSpringCache("quotes", tiered);
    private final AtomicInteger loads = new AtomicInteger();

    @AfterEach
    void close() {
        tiered.close();
    }

    private Callable<String> loading(String value) {
        return () -> {
            loads.incrementAndGet();
            return value;
        };
    }

    @Test
    void namesItselfAndExposesTheTieredCache() {
        assertThat(cache.getName()).isEqualTo("quotes");
        assertThat(cache.getNativeCache()).isSameAs(tiered);
    }

    @Test
    void aMissIsNullAndAStoredValueComesBackInAValueWrapper() {
        assertThat(cache.get("005930")).isNull();
        assertThat(cache.get("005930", String.class)).isNull();

        cache.put("005930", "71200.00");

        assertThat(cache.get("005930")).isInstanceOf(SimpleValueWrapper.class);
        assertThat(cache.get("005930").get()).isEqualTo("71200.00");
        assertThat(cache.get("005930", String.class)).isEqualTo("71200.00");
        assertThat(cache.get("005930", (Class<Object>) null)).isEqualTo("71200.00");
    }

    @Test
    void readingAValueAsAnotherTypeIsAnIllegalStateException() {
        cache.put("005930", "71200.00");

        assertThatThrownBy(() -> cache.get("005930", Integer.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("java.lang.String, not a java.lang.Integer");
    }

    @Test
    void putOfNullEvictsTheKeyAndNoWrapperOfNullIsEverReturned() {
        cache.put("005930", "71200.00");

        cache.put("005930", null);

        assertThat(cache.get("005930")).isNull();
        assertThat(cache.get("005930", loading("71300.00"))).isEqualTo("71300.00");
    }

    @Test
    void aLoaderThatReturnsNullIsRememberedForTheLoaderButReadsAsAMiss() {
        Callable<String> nothing = () -> {
            loads.incrementAndGet();
            return null;
        };

        assertThat(cache.get("DELISTED", nothing)).isNull();
        assertThat(cache.get("DELISTED", nothing)).isNull();

        assertThat(loads).as("remembered for the negative TTL").hasValue(1);
        assertThat(cache.get("DELISTED")).as("no wrapper of null").isNull();
        assertThat(cache.get("DELISTED", String.class)).isNull();
    }

    @Test
    void putIfAbsentStoresOnlyWhenThereIsNoValueAndReturnsTheOneThere() {
        assertThat(cache.putIfAbsent("005930", "71200.00")).isNull();

        Cache.ValueWrapper existing = cache.putIfAbsent("005930", "99999.00");

        assertThat(existing).isNotNull();
        assertThat(existing.get()).isEqualTo("71200.00");
        assertThat(cache.get("005930", String.class)).isEqualTo("71200.00");
        assertThat(cache.putIfAbsent("OTHER", null)).as("null stores nothing").isNull();
        assertThat(cache.get("OTHER")).isNull();
    }

    @Test
    void putIfAbsentStoresOverARememberedNoValue() {
        cache.get("DELISTED", () -> null);

        assertThat(cache.putIfAbsent("DELISTED", "relisted")).isNull();

        assertThat(cache.get("DELISTED", String.class)).isEqualTo("relisted");
    }

    @Test
    void racingPutIfAbsentCallsStoreExactlyOneValue() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Cache.ValueWrapper>> callers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 16; i++) {
                String value = "price-" + i;
                callers.add(pool.submit(() -> {
                    start.await();
                    return cache.putIfAbsent("005930", value);
                }));
            }
            start.countDown();
            int winners = 0;
            List<Object> seen = new ArrayList<>();
            for (Future<Cache.ValueWrapper> caller : callers) {
                Cache.ValueWrapper previous = caller.get(10, TimeUnit.SECONDS);
                if (previous == null) {
                    winners++;
                } else {
                    seen.add(previous.get());
                }
            }
            String stored = cache.get("005930", String.class);
            assertThat(winners).isEqualTo(1);
            assertThat(seen).hasSize(15).containsOnly(stored);
        }
    }

    @Test
    void evictAndEvictIfPresentRemoveAtOnce() {
        cache.put("A", "1.00");
        cache.put("B", "2.00");

        cache.evict("A");

        assertThat(cache.get("A")).isNull();
        assertThat(cache.evictIfPresent("B")).isTrue();
        assertThat(cache.get("B")).isNull();
        assertThat(cache.evictIfPresent("B")).isFalse();
    }

    @Test
    void clearAndInvalidateRemoveEveryEntryAtOnce() {
        cache.put("A", "1.00");
        cache.put("B", "2.00");

        cache.clear();

        assertThat(cache.get("A")).isNull();
        assertThat(cache.get("B")).isNull();
        cache.put("C", "3.00");
        assertThat(cache.invalidate()).as("presence not known").isFalse();
        assertThat(cache.get("C")).isNull();
    }

    @Test
    void getWithALoaderLoadsOnceAndNeverCallsTheLoaderOnAHit() {
        assertThat(cache.get("005930", loading("71200.00"))).isEqualTo("71200.00");
        assertThat(cache.get("005930", loading("99999.00"))).isEqualTo("71200.00");
        cache.put("000660", "180000.00");
        assertThat(cache.get("000660", loading("99999.00"))).isEqualTo("180000.00");

        assertThat(loads).hasValue(1);
    }

    @Test
    void aCheckedLoaderExceptionIsWrappedInValueRetrievalException() {
        IOException upstream = new IOException("market data feed down");
        Callable<String> failing = () -> {
            throw upstream;
        };

        assertThatThrownBy(() -> cache.get("005930", failing))
                .isInstanceOf(ValueRetrievalException.class)
                .hasCauseReference(upstream)
                .satisfies(
                        e -> assertThat(((ValueRetrievalException) e).getKey()).isEqualTo("005930"));
        assertThat(cache.get("005930")).as("a failure is not cached").isNull();
    }

    @Test
    void anUncheckedLoaderExceptionIsWrappedInValueRetrievalExceptionToo() {
        IllegalStateException upstream = new IllegalStateException("market data feed down");
        Callable<String> failing = () -> {
            throw upstream;
        };

        assertThatThrownBy(() -> cache.get("005930", failing))
                .isInstanceOf(ValueRetrievalException.class)
                .hasCauseReference(upstream);
    }

    @Test
    void everyCallerWaitingForAFailedLoadGetsValueRetrievalException() throws Exception {
        IllegalStateException upstream = new IllegalStateException("market data feed down");
        CountDownLatch loaderStarted = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<String> first = pool.submit(() -> cache.get("005930", () -> {
                loaderStarted.countDown();
                fail.await();
                throw upstream;
            }));
            loaderStarted.await();
            Future<String> waiter = pool.submit(() -> cache.get("005930", loading("never")));
            awaitJoined();
            fail.countDown();

            for (Future<String> caller : List.of(first, waiter)) {
                assertThatThrownBy(caller::get)
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(ValueRetrievalException.class)
                        .hasCauseReference(upstream);
            }
        }
        assertThat(loads).hasValue(0);
    }

    /** Until the second caller waits for the running load (the cache counts it as coalesced). */
    private void awaitJoined() {
        Awaitility.await("the second caller joined the load")
                .atMost(Duration.ofSeconds(5))
                .until(() -> registry.get("ballast.cache.coalesced")
                                .tag("scope", "local")
                                .counter()
                                .count()
                        == 1);
    }

    @Test
    void retrieveIsNotSupportedAndSaysSo() {
        assertThatThrownBy(() -> cache.retrieve("005930")).isInstanceOf(UnsupportedOperationException.class);
    }
}
