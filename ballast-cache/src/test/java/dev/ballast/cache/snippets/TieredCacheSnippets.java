package dev.ballast.cache.snippets;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.function.Function;

/**
 * The examples {@code TieredCache}'s Javadoc shows ({@code {@snippet class=... region=...}}): compiled with the tests
 * and run by {@link TieredCacheSnippetsIT} against a real Redis, so a snippet that stops compiling or working fails
 * the build.
 */
final class TieredCacheSnippets {

    /** What the examples cache. */
    record Quote(String symbol, String price) {}

    static TieredCache<String, Quote> quotes(RedisClient redis) {
        // @start region="build"
        CacheSettings settings = CacheSettings.builder("quotes")
                .l1Ttl(Duration.ofSeconds(5))
                .l2Ttl(Duration.ofSeconds(30))
                .build();
        TieredCache<String, Quote> quotes = TieredCache.<String, Quote>builder(settings, Codec.json(Quote.class))
                .keys(Function.identity())
                .redis(redis) // without it: L1 only, the same API
                .build();
        // @end
        return quotes;
    }

    static Quote read(TieredCache<String, Quote> quotes, String symbol, MarketData marketData) {
        // @start region="get"
        Quote quote = quotes.get(symbol, key -> marketData.fetch(key)); // loads once per key across instances
        // @end
        return quote;
    }

    /** The slow upstream the cache protects. */
    interface MarketData {
        Quote fetch(String symbol);
    }
}
