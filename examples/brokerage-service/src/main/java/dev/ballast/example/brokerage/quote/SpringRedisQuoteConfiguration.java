package dev.ballast.example.brokerage.quote;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.serializer.JacksonJsonRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;

/**
 * The load test's peer ({@code brokerage.quotes.cache=spring-redis}): quotes through Spring's {@code @Cacheable} on
 * Spring Data Redis's {@link RedisCacheManager}, as a Spring user would set it up: the same Redis as the Ballast cache
 * ({@code spring.data.redis.host} / {@code .port}, standalone), the same TTL ({@code brokerage.quotes.ttl}, 5 s), values
 * as JSON (Jackson, typed to {@link Quote}; no JDK serialization), no L1. Only in that mode: the other modes carry no
 * Spring Data Redis beans. The connection factory is built here rather than by Spring Boot's Redis starter, so the
 * default and {@code off} modes keep no second Redis connection or health check; the cache path is the one the starter
 * would give.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(QuoteCacheMode.SpringRedisSelected.class) // the value as QuoteService reads it: trimmed, any case
@EnableCaching
class SpringRedisQuoteConfiguration {

    @Bean
    LettuceConnectionFactory quotesRedisConnectionFactory(
            @Value("${spring.data.redis.host:127.0.0.1}") String host,
            @Value("${spring.data.redis.port:6379}") int port) {
        return new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
    }

    @Bean
    RedisCacheManager quotesCacheManager(
            LettuceConnectionFactory connections, @Value("${brokerage.quotes.ttl:5s}") Duration ttl) {
        RedisCacheConfiguration quotes = RedisCacheConfiguration.defaultCacheConfig()
                .entryTtl(ttl)
                .disableCachingNullValues()
                .serializeValuesWith(SerializationPair.fromSerializer(new JacksonJsonRedisSerializer<>(Quote.class)));
        return RedisCacheManager.builder(connections)
                .withCacheConfiguration(SpringCachedQuotes.CACHE, quotes)
                .build();
    }

    @Bean
    SpringCachedQuotes springCachedQuotes(MarketDataUpstream upstream) {
        return new SpringCachedQuotes(upstream);
    }
}
