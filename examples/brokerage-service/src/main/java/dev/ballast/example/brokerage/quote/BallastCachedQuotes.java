package dev.ballast.example.brokerage.quote;

import org.springframework.cache.annotation.Cacheable;

/**
 * Quotes through Spring's cache abstraction on Ballast's cache manager ({@code brokerage.quotes.cache=ballast-cacheable},
 * {@link BallastCacheableQuoteConfiguration}): one {@code @Cacheable} method, {@code sync = true}, which the Ballast
 * cache makes single-flight in the JVM and, with Redis, across instances.
 */
class BallastCachedQuotes {

    /** The cache name: the {@code cache} tag of {@code ballast.cache.*}, and Redis keys {@code ballast:cache:quotes-cacheable:v1:<symbol>}. */
    static final String CACHE = "quotes-cacheable";

    private final MarketDataUpstream upstream;

    BallastCachedQuotes(MarketDataUpstream upstream) {
        this.upstream = upstream;
    }

    /** The quote of a listed {@code symbol}, from L1, from Redis, or else from the upstream (then stored for the TTL). */
    @Cacheable(cacheNames = CACHE, sync = true)
    public Quote quote(String symbol) throws InterruptedException {
        return upstream.fetch(symbol);
    }
}
