package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code loadWait} is each waiting caller's own: callers joining one load in this JVM share one timer (set by the first
 * of them), and a caller that joined later still waits its whole {@code loadWait}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoadWaitTest {

    private static final Duration LOAD_WAIT = Duration.ofMillis(300);

    private final HookedMeterRegistry registry = new HookedMeterRegistry();
    private final TieredCache<String, Quote> cache = TieredCache.<String, Quote>builder(
                    CacheSettings.builder("load-wait")
                            .earlyRefreshBeta(0)
                            .loadWait(LOAD_WAIT, CacheSettings.WaitTimeoutPolicy.FAIL)
                            .build(),
                    Codec.json(Quote.class))
            .meterRegistry(registry)
            .build();
    private final ExecutorService pool = Executors.newFixedThreadPool(3);
    private final AtomicInteger loads = new AtomicInteger();

    @AfterEach
    void close() {
        pool.shutdownNow();
        cache.close();
    }

    @Test
    void aCallerThatJoinsALoadAfterAnEarlierJoinerGaveUpStillWaitsItsOwnLoadWaitAndGetsTheValue() throws Exception {
        CountDownLatch loaderStarted = new CountDownLatch(1);
        CountDownLatch loaderMayEnd = new CountDownLatch(1);
        Future<Quote> flying = pool.submit(() -> cache.get("005930", symbol -> {
            loaderStarted.countDown();
            SingleFlightRegressionTest.await(loaderMayEnd);
            loads.incrementAndGet();
            return new Quote(symbol, "loaded");
        }));
        SingleFlightRegressionTest.await(loaderStarted);
        Future<Quote> early = pool.submit(() -> cache.get("005930", this::loadedByAWaiter));
        assertThatThrownBy(() -> early.get(10, TimeUnit.SECONDS))
                .as("the first joiner, after its loadWait")
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(CacheLoadTimeoutException.class);

        CountDownLatch lateJoined = new CountDownLatch(1);
        registry.onLocalJoin = lateJoined::countDown; // the shared timer has fired: this caller's wait begins now
        Future<Quote> late = pool.submit(() -> cache.get("005930", this::loadedByAWaiter));
        SingleFlightRegressionTest.await(lateJoined);
        loaderMayEnd.countDown();

        assertThat(late.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "loaded"));
        assertThat(flying.get(10, TimeUnit.SECONDS)).isEqualTo(new Quote("005930", "loaded"));
        assertThat(loads).as("loader runs").hasValue(1);
    }

    private Quote loadedByAWaiter(String symbol) {
        loads.incrementAndGet();
        return new Quote(symbol, "loaded by a waiter");
    }
}
