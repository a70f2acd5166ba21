package dev.ballast.example.brokerage.quote;

import dev.ballast.boot.Task;
import dev.ballast.cache.TieredCache;
import dev.ballast.example.brokerage.instrument.InstrumentCatalog;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Quotes of listed instruments through the quotes TieredCache; unknown symbols are 404 (no upstream call).
 * {@code brokerage.quotes.cache=off} sends every quote to the upstream instead: the baseline the load test compares the
 * cache against (docs/load-test.md). {@code brokerage.quotes.cache=spring-redis} reads them through Spring's
 * {@code @Cacheable} on Spring Data Redis's {@code RedisCacheManager} instead ({@link SpringRedisQuoteConfiguration}), the
 * peer the load test compares with. {@code brokerage.quotes.cache=ballast-cacheable} reads them through Spring's
 * {@code @Cacheable} on the Ballast starter's cache manager ({@link BallastCacheableQuoteConfiguration}): how a Spring
 * application gets a {@code TieredCache} without building one. The value is trimmed and compared ignoring case
 * ({@link QuoteCacheMode}); any other value than {@code tiered} (the default), {@code off}, {@code spring-redis} or
 * {@code ballast-cacheable} fails start-up naming the property.
 */
@Service
public class QuoteService {

    private final InstrumentCatalog instruments;
    private final Source source;

    /** Where {@link #quote} reads a listed symbol's quote, per {@code brokerage.quotes.cache}. */
    @FunctionalInterface
    private interface Source {
        Quote quote(String symbol) throws InterruptedException;
    }

    QuoteService(
            ObjectProvider<TieredCache<String, Quote>> quotes,
            MarketDataUpstream upstream,
            InstrumentCatalog instruments,
            ObjectProvider<SpringCachedQuotes> spring,
            ObjectProvider<BallastCachedQuotes> ballast,
            @Value("${brokerage.quotes.cache:tiered}") String mode) {
        this.instruments = instruments;
        this.source = switch (QuoteCacheMode.of(mode)) {
            case TIERED -> {
                // the cache bean exists exactly when QuoteCacheMode reads the property as tiered
                TieredCache<String, Quote> cache = quotes.getObject();
                yield symbol -> cache.get(symbol, upstream::fetch);
            }
            case OFF -> upstream::fetch;
            // SpringCachedQuotes exists exactly when QuoteCacheMode reads the property as spring-redis
            case SPRING_REDIS -> spring.getObject()::quote;
            // BallastCachedQuotes exists exactly when QuoteCacheMode reads the property as ballast-cacheable
            case BALLAST_CACHEABLE -> ballast.getObject()::quote;
        };
    }

    /** The quote of {@code symbol}, from the cache or the upstream. */
    @Task(domain = "Quote", task = "Get", id = "#symbol")
    public Quote quote(String symbol) throws InterruptedException {
        String known = instruments.find(symbol).symbol();
        return source.quote(known);
    }
}
