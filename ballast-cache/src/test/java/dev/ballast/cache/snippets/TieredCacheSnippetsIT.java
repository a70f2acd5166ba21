package dev.ballast.cache.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.cache.TieredCache;
import dev.ballast.cache.snippets.TieredCacheSnippets.Quote;
import io.lettuce.core.RedisClient;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Javadoc examples of {@code TieredCache} do what their text says, on the local Redis. */
class TieredCacheSnippetsIT {

    private final RedisClient redis = RedisClient.create("redis://127.0.0.1:6379");

    @AfterEach
    void closeClient() {
        redis.shutdown();
    }

    @Test
    void theBuiltCacheLoadsOnceThenServesTheValueFromItsTiers() {
        AtomicInteger upstreamCalls = new AtomicInteger();
        TieredCacheSnippets.MarketData marketData = symbol -> {
            upstreamCalls.incrementAndGet();
            return new Quote(symbol, "101.25");
        };
        try (TieredCache<String, Quote> quotes = TieredCacheSnippets.quotes(redis)) {
            quotes.evict("SNIPPET-1");
            assertThat(TieredCacheSnippets.read(quotes, "SNIPPET-1", marketData))
                    .isEqualTo(new Quote("SNIPPET-1", "101.25"));
            assertThat(TieredCacheSnippets.read(quotes, "SNIPPET-1", marketData))
                    .isEqualTo(new Quote("SNIPPET-1", "101.25"));
            try (TieredCache<String, Quote> otherInstance = TieredCacheSnippets.quotes(redis)) {
                assertThat(TieredCacheSnippets.read(otherInstance, "SNIPPET-1", marketData))
                        .as("another instance reads the value from Redis")
                        .isEqualTo(new Quote("SNIPPET-1", "101.25"));
            }
            assertThat(upstreamCalls).hasValue(1);
            quotes.evict("SNIPPET-1");
        }
    }
}
