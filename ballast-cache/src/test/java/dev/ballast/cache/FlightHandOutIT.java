package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The callers that joined a load in this JVM get its value as soon as it is loaded, not after the loading caller has
 * written it to Redis: with Redis frozen (SIGSTOP) right after the load, the write waits out the whole L2 timeout, and
 * the joiners must not wait with it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlightHandOutIT {

    private static final Duration L2_TIMEOUT = Duration.ofSeconds(4);
    private static final int JOINERS = 8;

    private final String name = "h-" + UUID.randomUUID().toString().substring(0, 8);
    private final ExecutorService callers = Executors.newFixedThreadPool(JOINERS + 1);
    private OwnRedisInstances own;

    @BeforeEach
    void start() throws Exception {
        own = new OwnRedisInstances(
                1, CacheSettings.builder(name).l2Timeout(L2_TIMEOUT).build(), alert -> {});
    }

    @AfterEach
    void stop() throws Exception {
        callers.shutdownNow();
        own.redis.resume();
        own.close();
    }

    @Test
    void callersThatJoinedALoadGetItsValueWhileTheLoadingCallerStillWritesItToRedis() throws Exception {
        TieredCache<String, Quote> cache = own.instances.get(0);
        SimpleMeterRegistry registry = own.registries.get(0);
        Quote loaded = new Quote("ACME", "101.25");
        long[] loadedAt = new long[1];
        CompletableFuture<Void> started = new CompletableFuture<>();
        CompletableFuture<Quote> loading = CompletableFuture.supplyAsync(
                () -> cache.get("ACME", key -> {
                    started.complete(null);
                    Eventually.within(
                            Duration.ofSeconds(10),
                            "every joiner parked on this load",
                            () -> coalesced(registry) == JOINERS);
                    freezeRedis(); // the write of the value to Redis now waits out the L2 timeout
                    loadedAt[0] = System.nanoTime();
                    return loaded;
                }),
                callers);
        started.get(10, TimeUnit.SECONDS);
        List<CompletableFuture<Quote>> joiners = new ArrayList<>();
        for (int i = 0; i < JOINERS; i++) {
            joiners.add(CompletableFuture.supplyAsync(
                    () -> cache.get("ACME", key -> new Quote("ACME", "joiner")), callers));
        }

        CompletableFuture.allOf(joiners.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        long joinersDone = System.nanoTime();

        assertThat(joiners).allSatisfy(joiner -> assertThat(joiner.join()).isEqualTo(loaded));
        assertThat(loading)
                .as("the loading caller, still writing to the frozen Redis")
                .isNotDone();
        assertThat(Duration.ofNanos(joinersDone - loadedAt[0]))
                .as("from the load's return until every joiner had the value")
                .isLessThan(L2_TIMEOUT.dividedBy(2));
        own.redis.resume();
        assertThat(loading.get(10, TimeUnit.SECONDS)).isEqualTo(loaded);
    }

    private void freezeRedis() {
        try {
            own.redis.pause();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double coalesced(SimpleMeterRegistry registry) {
        return registry.find("ballast.cache.coalesced").tag("scope", "local").counters().stream()
                .mapToDouble(counter -> counter.count())
                .sum();
    }
}
