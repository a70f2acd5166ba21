package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.boot.autoconfigure.cache.BallastCacheAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.boot.autoconfigure.outbox.BallastOutboxAutoConfiguration;
import dev.ballast.boot.autoconfigure.outbox.BallastOutboxProperties;
import dev.ballast.boot.autoconfigure.outbox.OutboxUsage;
import dev.ballast.cache.TieredCache;
import dev.ballast.lock.LockStrategy;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import io.lettuce.core.AbstractRedisClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code ballast} health component (children {@code cache.<name>}, {@code lock}, {@code outbox}; see {@link
 * BallastHealth}), the {@code outbox} and {@code locks} actuator endpoints. Only with the actuator on the classpath;
 * the health component is off with {@code management.health.ballast.enabled=false}.
 */
@AutoConfiguration(
        after = {
            BallastLockAutoConfiguration.class,
            BallastCacheAutoConfiguration.class,
            BallastOutboxAutoConfiguration.class
        })
@ConditionalOnClass(Endpoint.class)
public final class BallastActuatorAutoConfiguration {

    /** How long the Redis lock backend's health PING may take. */
    static final Duration PING_TIMEOUT = Duration.ofSeconds(1);

    /** Masks secrets in the env and configprops endpoints also when they show values (see the class). */
    @Bean
    @ConditionalOnMissingBean(name = "ballastSecretSanitizer")
    SanitizingFunction ballastSecretSanitizer() {
        return new SecretSanitizer();
    }

    @Bean
    @ConditionalOnMissingBean
    HeldLocks ballastHeldLocks() {
        return new HeldLocks(InstantSource.system());
    }

    @Bean
    @ConditionalOnBean(LockStrategy.class)
    @ConditionalOnMissingBean
    LocksEndpoint ballastLocksEndpoint(LockStrategy locks, HeldLocks held) {
        return new LocksEndpoint(locks, held);
    }

    @Bean
    @ConditionalOnBean(Outbox.class)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.web.WebEndpointResponse")
    @ConditionalOnMissingBean
    OutboxEndpoint ballastOutboxEndpoint(Outbox outbox, ObjectProvider<OutboxRelay> relay) {
        return new OutboxEndpoint(outbox, relay.getIfUnique());
    }

    /** Ballast's actuator writes refuse fields they do not take (400 {@code UNKNOWN_FIELD}). */
    @Bean
    @ConditionalOnMissingBean
    UnknownFieldsRefused ballastUnknownFieldsRefused() {
        return new UnknownFieldsRefused();
    }

    /** The health component; this class is only loaded with Spring Boot's health module. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthContributor")
    @ConditionalOnProperty(prefix = "management.health.ballast", name = "enabled", matchIfMissing = true)
    static class Health {

        @Bean
        @ConditionalOnMissingBean(name = "ballastHealthContributor")
        HealthContributor ballastHealthContributor(
                ObjectProvider<CacheManager> caches,
                ObjectProvider<TieredCache<?, ?>> tieredCaches,
                ObjectProvider<LockStrategy> locks,
                ObjectProvider<AbstractRedisClient> redis,
                ObjectProvider<Outbox> outbox,
                ObjectProvider<OutboxRelay> relay,
                ObjectProvider<OutboxUsage> outboxUsage,
                ObjectProvider<BallastOutboxProperties> outboxProperties,
                ObjectProvider<DataSource> dataSource) {
            return new BallastHealthContributor(
                    caches, tieredCaches, locks, redis, outbox, relay, outboxUsage, outboxProperties, dataSource);
        }
    }

    /**
     * Resolves the children when health is read, so caches created after start-up (a {@code @Cacheable} name that was
     * not configured) are included. The caches are the Spring cache manager's Ballast caches and the application's own
     * {@link TieredCache} beans (built with {@code TieredCache.builder}, not through the cache manager).
     */
    static final class BallastHealthContributor implements CompositeHealthContributor, DisposableBean {
        private final ObjectProvider<CacheManager> caches;
        private final ObjectProvider<TieredCache<?, ?>> tieredCaches;
        private final ObjectProvider<LockStrategy> locks;
        private final ObjectProvider<AbstractRedisClient> redis;
        private final ObjectProvider<Outbox> outbox;
        private final ObjectProvider<OutboxRelay> relay;
        private final ObjectProvider<OutboxUsage> outboxUsage;
        private final ObjectProvider<BallastOutboxProperties> outboxProperties;
        private final ObjectProvider<DataSource> dataSource;
        /** The Redis lock backend's PING connection, one for all health reads; null until the first read. */
        private @Nullable RedisPing redisPing;

        BallastHealthContributor(
                ObjectProvider<CacheManager> caches,
                ObjectProvider<TieredCache<?, ?>> tieredCaches,
                ObjectProvider<LockStrategy> locks,
                ObjectProvider<AbstractRedisClient> redis,
                ObjectProvider<Outbox> outbox,
                ObjectProvider<OutboxRelay> relay,
                ObjectProvider<OutboxUsage> outboxUsage,
                ObjectProvider<BallastOutboxProperties> outboxProperties,
                ObjectProvider<DataSource> dataSource) {
            this.caches = caches;
            this.tieredCaches = tieredCaches;
            this.locks = locks;
            this.redis = redis;
            this.outbox = outbox;
            this.relay = relay;
            this.outboxUsage = outboxUsage;
            this.outboxProperties = outboxProperties;
            this.dataSource = dataSource;
        }

        private Map<String, HealthContributor> children() {
            Map<String, HealthContributor> children = new LinkedHashMap<>();
            Map<String, HealthIndicator> perCache = new LinkedHashMap<>();
            CacheManager cacheManager = caches.getIfUnique();
            if (cacheManager != null) {
                perCache.putAll(BallastHealth.caches(cacheManager));
            }
            tieredCaches
                    .orderedStream()
                    .forEach(cache -> perCache.putIfAbsent(cache.settings().name(), BallastHealth.cache(cache)));
            if (!perCache.isEmpty()) {
                children.put("cache", CompositeHealthContributor.fromMap(perCache));
            }
            LockStrategy lockStrategy = locks.getIfUnique();
            if (lockStrategy != null) {
                children.put("lock", BallastHealth.lock(lockStrategy, redisPing()));
            }
            Outbox theOutbox = outbox.getIfUnique();
            BallastOutboxProperties properties = outboxProperties.getIfUnique();
            OutboxUsage usage = outboxUsage.getIfUnique();
            if (theOutbox != null && properties != null && usage != null) {
                children.put(
                        "outbox",
                        BallastHealth.outbox(
                                theOutbox, relay.getIfUnique(), usage, properties, dataSource.getIfUnique()));
            }
            return children;
        }

        private synchronized @Nullable RedisPing redisPing() {
            if (redisPing == null) {
                AbstractRedisClient client = redis.getIfUnique();
                redisPing = client == null ? null : new RedisPing(client, PING_TIMEOUT);
            }
            return redisPing;
        }

        /** Closes the Redis health connection with the context. */
        @Override
        public synchronized void destroy() {
            if (redisPing != null) {
                redisPing.close();
            }
        }

        @Override
        public @Nullable HealthContributor getContributor(String name) {
            return children().get(name);
        }

        @Override
        public java.util.stream.Stream<Entry> stream() {
            return children().entrySet().stream().map(entry -> new Entry(entry.getKey(), entry.getValue()));
        }
    }
}
