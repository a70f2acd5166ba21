package dev.ballast.example.brokerage.quote;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * {@code brokerage.quotes.cache=ballast-cacheable}: quotes through Spring's {@code @Cacheable} on the cache manager the
 * Ballast starter provides (no other {@code CacheManager} in this mode), so each annotated cache is a {@code
 * TieredCache}: L1 Caffeine and, with {@code spring.data.redis.*}, a Redis L2 with single-flight across instances. The
 * value type ({@link Quote}) is inferred from the method; the TTLs are {@code ballast.cache.defaults.*} in
 * application.yml ({@code brokerage.quotes.ttl}, 5 s, for L1 and L2). Only in that mode.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(QuoteCacheMode.BallastCacheableSelected.class) // the value as QuoteService reads it: trimmed, any case
class BallastCacheableQuoteConfiguration {

    @Bean
    BallastCachedQuotes ballastCachedQuotes(MarketDataUpstream upstream) {
        return new BallastCachedQuotes(upstream);
    }
}
