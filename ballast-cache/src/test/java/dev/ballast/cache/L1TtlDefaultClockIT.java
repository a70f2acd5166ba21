package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * L1's TTL with the default clock (no clock injected), in real time against the shared Redis: a TTL of a second or
 * more is measured with the coarse clock's monotonic ticker, a shorter one with Caffeine's own nanosecond ticker. The
 * L2 TTL is long, so only L1's own TTL can send a read to L2.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class L1TtlDefaultClockIT {

    private static final RedisClient redis = RedisClient.create("redis://127.0.0.1:6379");

    private final String name = "l1ttl-" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger loads = new AtomicInteger();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TieredCache<String, Quote> cache;

    @AfterAll
    static void shutdown() {
        redis.shutdown();
    }

    @AfterEach
    void close() {
        if (cache != null) {
            cache.clear();
            cache.close();
        }
    }

    private TieredCache<String, Quote> cache(Duration l1Ttl) {
        cache = TieredCache.<String, Quote>builder(
                        CacheSettings.builder(name)
                                .l1Ttl(l1Ttl)
                                .l2Ttl(Duration.ofMinutes(5))
                                .earlyRefreshBeta(0)
                                .build(),
                        Codec.json(Quote.class))
                .keys(k -> k)
                .redis(redis)
                .meterRegistry(registry)
                .build();
        return cache;
    }

    private Quote load(String symbol) {
        loads.incrementAndGet();
        return new Quote(symbol, "1.00");
    }

    private double gets(String tier, String result) {
        return registry.counter("ballast.cache.gets", "cache", name, "tier", tier, "result", result)
                .count();
    }

    @Test
    void anL1TtlOfASecondEndsTheEntryAfterASecondAndTheNextReadComesFromL2() {
        TieredCache<String, Quote> quotes = cache(Duration.ofSeconds(1));
        long filled = System.nanoTime();
        assertThat(quotes.get("005930", this::load)).isEqualTo(new Quote("005930", "1.00"));
        assertThat(quotes.get("005930", this::load)).isEqualTo(new Quote("005930", "1.00"));
        assertThat(gets("l1", "hit")).as("the read right after the load").isEqualTo(1);

        Eventually.within(Duration.ofSeconds(5), "a read served by L2 once L1's TTL is over", () -> {
            quotes.get("005930", this::load);
            return gets("l2", "hit") > 0;
        });
        long age = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - filled);

        // the coarse ticker lags the real clock by a millisecond or two on both readings: the entry may end that much
        // early or late, never a large part of the TTL
        assertThat(age).as("ms from the fill to the first L2 read").isGreaterThanOrEqualTo(990);
        assertThat(gets("l2", "hit")).isEqualTo(1);
        assertThat(loads).as("loader runs").hasValue(1);
    }

    @Test
    void anL1TtlUnderASecondIsMeasuredInNanosecondsSoEveryLaterReadComesFromL2() {
        TieredCache<String, Quote> quotes = cache(Duration.ofNanos(1));
        quotes.get("005930", this::load);

        for (int i = 0; i < 100; i++) {
            assertThat(quotes.get("005930", this::load)).isEqualTo(new Quote("005930", "1.00"));
        }

        assertThat(gets("l1", "hit")).as("L1 hits").isZero();
        assertThat(gets("l2", "hit")).as("L2 hits").isEqualTo(100);
        assertThat(loads).as("loader runs").hasValue(1);
    }
}
