package dev.ballast.example.brokerage.quote;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The quotes cache: L1 only on embedded defaults; L1 + Redis L2 when {@code brokerage.quotes.redis-url} is set (e.g.
 * {@code redis://127.0.0.1:6379}).
 */
@Configuration(proxyBeanMethods = false)
class QuoteConfiguration {

    @Bean
    TieredCache<String, Quote> quoteCache(
            @Value("${brokerage.quotes.ttl:5s}") Duration ttl,
            @Value("${brokerage.quotes.redis-url:}") String redisUrl) {
        CacheSettings settings = CacheSettings.builder("quotes")
                .l1Ttl(ttl)
                .l2Ttl(ttl)
                .maxValueBytes(4096)
                .build();
        if (redisUrl.isBlank()) {
            return TieredCache.local(settings, Codec.json(Quote.class), symbol -> symbol);
        }
        return TieredCache.tiered(settings, Codec.json(Quote.class), symbol -> symbol, RedisClient.create(redisUrl));
    }
}
