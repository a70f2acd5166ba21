package dev.ballast.example.brokerage.quote;

import org.springframework.cache.annotation.Cacheable;

/**
 * Quotes through Spring's cache abstraction ({@code brokerage.quotes.cache=spring-redis}, {@link
 * SpringRedisQuoteConfiguration}): one {@code @Cacheable} method, {@code sync = true} so that concurrent misses of a
 * symbol on one instance make one upstream call.
 */
class SpringCachedQuotes {

    /** The cache name, also the Redis key prefix ({@code quotes::<symbol>}). */
    static final String CACHE = "quotes";

    private final MarketDataUpstream upstream;

    SpringCachedQuotes(MarketDataUpstream upstream) {
        this.upstream = upstream;
    }

    /** The quote of a listed {@code symbol}, from Redis or else from the upstream (then stored for the TTL). */
    @Cacheable(cacheNames = CACHE, sync = true)
    public Quote quote(String symbol) throws InterruptedException {
        return upstream.fetch(symbol);
    }
}
