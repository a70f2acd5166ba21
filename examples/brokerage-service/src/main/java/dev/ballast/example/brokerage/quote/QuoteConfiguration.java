package dev.ballast.example.brokerage.quote;

import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import dev.ballast.core.alert.AlertSink;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The quotes cache: L1 only on embedded defaults; L1 + Redis L2 when the application has a Redis client, which the
 * Ballast starter builds from Spring Boot's {@code spring.data.redis.*}: standalone ({@code host} / {@code url}),
 * Sentinel ({@code sentinel.*}) or Cluster ({@code cluster.nodes}). Only in the {@code tiered} quotes mode (the
 * default): in the others nothing reads it, and an idle cache would still open its breaker and send alerts of its own
 * when Redis fails (found by a black-box check).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(QuoteCacheMode.TieredSelected.class) // the value as QuoteService reads it: trimmed, any case
class QuoteConfiguration {

    @Bean(destroyMethod = "close")
    TieredCache<String, Quote> quoteCache(
            @Value("${brokerage.quotes.ttl:5s}") Duration ttl,
            @Value("${brokerage.quotes.early-refresh-beta:10}") double earlyRefreshBeta,
            ObjectProvider<AbstractRedisClient> redis,
            ObjectProvider<AlertSink> alerts,
            MeterRegistry registry) {
        CacheSettings settings = CacheSettings.builder("quotes")
                .l1Ttl(ttl)
                .l2Ttl(ttl)
                .maxValueBytes(4096)
                // XFetch: a quote is reloaded in the background about beta x its load time (50 ms) before it expires.
                // Beta 10 cut the load test's quote p99 from ~57 ms to ~8 ms (docs/load-test.md); the library default
                // is 1 (docs/cache.md explains how to choose it).
                .earlyRefreshBeta(earlyRefreshBeta)
                .build();
        TieredCache.Builder<String, Quote> cache = TieredCache.<String, Quote>builder(settings, Codec.json(Quote.class))
                .keys(symbol -> symbol)
                .alerts(alerts.getIfUnique(AlertSink::logging))
                .meterRegistry(registry);
        redis.ifUnique(client -> {
            if (client instanceof RedisClusterClient cluster) {
                cache.redis(cluster);
            } else if (client instanceof RedisClient standalone) {
                cache.redis(standalone);
            }
        });
        return cache.build();
    }
}
