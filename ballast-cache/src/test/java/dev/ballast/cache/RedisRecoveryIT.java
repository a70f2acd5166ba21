package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import dev.ballast.test.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recovery without a stall (issue 15, item 8): a redis-server of the test's own is SIGKILLed under traffic from three
 * instances and restarted empty. Nobody may wait for the load-wait timeout: the breaker closes only on the connections
 * the cache uses (commands and pub/sub), and a caller waiting for another instance's load gives up as soon as its own
 * link to Redis is gone. Latencies are measured over the recovery window, from the restart until 3 s after the last
 * breaker closed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisRecoveryIT {

    private static final Duration LOADER_TIME = Duration.ofMillis(50);
    private static final Duration LOAD_WAIT = Duration.ofSeconds(5);
    private static final Duration AFTER_CLOSE = Duration.ofSeconds(3);
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    private static final Duration THINK = Duration.ofMillis(2);

    private final String name = "r-" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger loads = new AtomicInteger();
    private OwnRedisInstances cluster;
    private RedisServer redis;
    private List<TieredCache<String, Quote>> instances;
    private List<SimpleMeterRegistry> registries;

    private void start(int count, CacheSettings settings) throws Exception {
        cluster = new OwnRedisInstances(count, settings, alert -> {});
        redis = cluster.redis;
        instances = cluster.instances;
        registries = cluster.registries;
    }

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The simulated upstream: answers in {@link #LOADER_TIME}. */
    private Quote fromUpstream(String symbol) throws InterruptedException {
        loads.incrementAndGet();
        Thread.sleep(LOADER_TIME.toMillis());
        return new Quote(symbol, "1.00");
    }

    @Test
    void redisKilledAndRestartedUnderLoadFromThreeInstancesRecoversWithoutAStall() throws Exception {
        start(
                3,
                CacheSettings.builder(name)
                        .l2Ttl(Duration.ofMillis(250))
                        .ttlJitter(0)
                        // a value expires in every L1 at once and nobody refreshes early: the instances miss together,
                        // one loads under the lease and the others wait for its signal, four times a second per key
                        .earlyRefreshBeta(0)
                        .l2Timeout(Duration.ofMillis(200))
                        .loadWait(LOAD_WAIT, CacheSettings.WaitTimeoutPolicy.LOAD_YOURSELF)
                        .build());
        try (Traffic traffic = new Traffic(4, 10)) {
            Eventually.within(Duration.ofSeconds(20), "traffic warmed up", () -> traffic.done() >= 1_000);
            redis.kill();
            long killedAt = System.nanoTime();
            Eventually.within(Duration.ofSeconds(20), "every breaker open", () -> breakers(2));
            // an outage of 5 s under traffic: long enough for Lettuce's reconnect back-off to reach seconds
            long outageEnd = killedAt + OUTAGE.toNanos();
            Eventually.within(Duration.ofSeconds(30), "5 s of outage", () -> traffic.startedAfter(outageEnd) > 0);
            redis.restart();
            long restartedAt = System.nanoTime();
            Eventually.within(Duration.ofSeconds(20), "every breaker closed", () -> breakers(0));
            long closedAt = System.nanoTime();
            long windowEnd = closedAt + AFTER_CLOSE.toNanos();
            Eventually.within(
                    Duration.ofSeconds(20), "traffic after the window", () -> traffic.startedAfter(windowEnd) > 0);
            traffic.stop();

            long[] window = traffic.latenciesStartedBetween(restartedAt, windowEnd);
            System.out.printf(
                    Locale.ROOT,
                    "recovery: breakers closed %.0f ms after the restart; window %.1f s, %d requests:"
                            + " p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d requests in all, %d errors, %d loads%n",
                    (closedAt - restartedAt) / 1e6,
                    (windowEnd - restartedAt) / 1e9,
                    window.length,
                    percentile(window, 0.50),
                    percentile(window, 0.99),
                    percentile(window, 1.0),
                    traffic.done(),
                    traffic.errors(),
                    loads.get());
            assertThat(traffic.errors()).as("exceptions seen by callers").isZero();
            assertThat(window.length).as("requests in the recovery window").isGreaterThan(100);
            assertThat(percentile(window, 0.99))
                    .as("p99 in the recovery window, ms")
                    .isLessThanOrEqualTo(LOADER_TIME.toMillis() + 100.0);
            assertThat(percentile(window, 1.0))
                    .as("slowest request in the recovery window, ms: nobody waits for the load-wait timeout")
                    .isLessThan(LOAD_WAIT.toMillis() / 2.0);
        }
    }

    @Test
    void aCallerWaitingForAnotherInstancesLoadGivesUpAtOnceWhenRedisGoesAway() throws Exception {
        start(2, CacheSettings.builder(name).l2Timeout(Duration.ofMillis(200)).build());
        TieredCache<String, Quote> holder = instances.get(0);
        TieredCache<String, Quote> waiter = instances.get(1);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<Quote> held = pool.submit(() -> holder.get("005930", symbol -> {
                holding.countDown();
                release.await(30, TimeUnit.SECONDS);
                return new Quote(symbol, "holder");
            }));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            Future<Quote> waiting = pool.submit(() -> waiter.get("005930", symbol -> new Quote(symbol, "waiter")));
            Eventually.within(
                    Duration.ofSeconds(5),
                    "the waiter waits for the holder's load",
                    () -> registries
                                    .get(1)
                                    .get("ballast.cache.coalesced")
                                    .tag("scope", "cluster")
                                    .counter()
                                    .count()
                            == 1);

            redis.kill();
            long killedAt = System.nanoTime();
            Quote got = waiting.get(LOAD_WAIT.toMillis() * 2, TimeUnit.MILLISECONDS);
            long gaveUpAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            System.out.printf(Locale.ROOT, "waiter answered %d ms after Redis was killed%n", gaveUpAfter);

            assertThat(got).isEqualTo(new Quote("005930", "waiter"));
            assertThat(gaveUpAfter)
                    .as("ms from the kill to the waiter's answer")
                    .isLessThan(1000);
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "holder"));
        }
    }

    private boolean breakers(int state) {
        return cluster.breakers(state);
    }

    private static double percentile(long[] nanos, double p) {
        if (nanos.length == 0) {
            return 0;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    /**
     * Callers reading {@code keys} hot keys through every instance until stopped, each pausing {@link #THINK} between
     * requests like a client; records each request.
     */
    private final class Traffic implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger errors = new AtomicInteger();
        private final ConcurrentLinkedQueue<long[]> requests = new ConcurrentLinkedQueue<>();
        private final ExecutorService pool;
        private final List<Future<?>> callers = new ArrayList<>();

        Traffic(int threadsPerInstance, int keys) {
            int threads = threadsPerInstance * instances.size();
            pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                TieredCache<String, Quote> cache = instances.get(t % instances.size());
                int seed = t;
                callers.add(pool.submit(() -> {
                    for (int i = seed; running.get(); i += 7) {
                        long start = System.nanoTime();
                        try {
                            if (cache.get("K" + (i % keys), RedisRecoveryIT.this::fromUpstream) == null) {
                                errors.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                        }
                        requests.add(new long[] {start, System.nanoTime() - start});
                        LockSupport.parkNanos(THINK.toNanos());
                    }
                }));
            }
        }

        int done() {
            return requests.size();
        }

        int errors() {
            return errors.get();
        }

        long startedAfter(long nanos) {
            return requests.stream().filter(r -> r[0] - nanos > 0).count();
        }

        long[] latenciesStartedBetween(long from, long to) {
            return requests.stream()
                    .filter(r -> r[0] - from >= 0 && r[0] - to < 0)
                    .mapToLong(r -> r[1])
                    .toArray();
        }

        void stop() throws Exception {
            running.set(false);
            for (Future<?> caller : callers) {
                caller.get(30, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() {
            running.set(false);
            pool.shutdownNow();
        }
    }
}
