package dev.ballast.boot.autoconfigure.cache;

import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.cache.TieredCache;
import dev.ballast.core.alert.AlertSink;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.cache.metrics.CacheMetricsRegistrar;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

/**
 * A {@link CacheManager} of {@link TieredCache}s, so {@code @Cacheable} (including {@code sync = true}, which is
 * single-flight) uses L1 Caffeine and, when the application has a Lettuce client bean ({@link RedisClient} or a cluster client), a Redis L2. Backs
 * off for any CacheManager the application defines; runs before Spring Boot's cache auto-configuration. Enables
 * caching ({@code @EnableCaching} is not needed) and binds Boot's standard cache meters. Off with {@code
 * ballast.cache.enabled=false}.
 */
@AutoConfiguration(
        after = BallastRedisAutoConfiguration.class,
        beforeName = {
            "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration",
            "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration"
        })
@ConditionalOnClass({TieredCache.class, CacheManager.class})
@ConditionalOnProperty(prefix = "ballast.cache", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BallastCacheProperties.class)
public final class BallastCacheAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(CacheManager.class)
    CacheManager cacheManager(
            BallastCacheProperties properties,
            ObjectProvider<AbstractRedisClient> redis,
            ObjectProvider<AlertSink> alerts,
            ObjectProvider<MeterRegistry> registry) {
        return new BallastCacheManager(
                properties,
                redis.getIfUnique(),
                alerts.getIfUnique(AlertSink::logging),
                registry.getIfUnique(CompositeMeterRegistry::new));
    }

    /**
     * Infers each cache's value type from the {@code @Cacheable}/{@code @CachePut} methods that use it, once the
     * singletons exist, so the Redis L2 works without {@code ballast.cache.caches.<name>.value-type}.
     */
    @Bean
    static CacheValueTypes ballastCacheValueTypes(ConfigurableListableBeanFactory beans) {
        return new CacheValueTypes(beans);
    }

    /**
     * {@code @Cacheable} works with the starter alone: caching is enabled unless the application enabled it itself
     * (then its {@code @EnableCaching} settings apply).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(CacheAspectSupport.class)
    @EnableCaching
    static class Caching {}

    /** Boot's standard cache meters for Ballast caches; only with Boot's cache metrics support. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.cache.metrics.CacheMeterBinderProvider")
    static class BootCacheMetrics {

        @Bean
        @ConditionalOnMissingBean
        TieredSpringCacheMeterBinderProvider ballastCacheMeterBinderProvider() {
            return new TieredSpringCacheMeterBinderProvider();
        }

        /**
         * Binds Boot's cache meters to the Ballast caches made after Boot's registrar bound the manager's caches at
         * start-up (caches are made on first use), tagged {@code cache.manager} as Boot tags them. A cache Boot already
         * bound (one listed in {@code ballast.cache.caches}, made with the manager) is left as it is: binding it again
         * would register its meters twice, which Micrometer refuses with a warning.
         */
        @Bean
        @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
        static SmartInitializingSingleton ballastCacheMetersForLaterCaches(
                ObjectProvider<CacheMetricsRegistrar> registrar,
                ObjectProvider<MeterRegistry> registries,
                ConfigurableListableBeanFactory beans) {
            return () -> registrar.ifAvailable(metrics -> {
                MeterRegistry registry = registries.getIfUnique();
                for (String name : beans.getBeanNamesForType(BallastCacheManager.class, false, false)) {
                    Tag manager = Tag.of("cache.manager", managerTag(name));
                    beans.getBean(name, BallastCacheManager.class).onCacheCreated(cache -> {
                        if (registry == null || !hasMeters(registry, cache.getName(), manager)) {
                            metrics.bindCacheToRegistry(cache, manager);
                        }
                    });
                }
            });
        }

        /** Whether Boot's standard meters of cache {@code name} of the manager tagged {@code manager} exist. */
        private static boolean hasMeters(MeterRegistry registry, String name, Tag manager) {
            return !registry.find("cache.gets")
                    .tag("cache", name)
                    .tags(List.of(manager))
                    .meters()
                    .isEmpty();
        }

        /** The bean name without a "CacheManager" suffix, as Boot's registrar names it. */
        private static String managerTag(String beanName) {
            String suffix = "cachemanager";
            return beanName.length() > suffix.length()
                            && beanName.toLowerCase(java.util.Locale.ROOT).endsWith(suffix)
                    ? beanName.substring(0, beanName.length() - suffix.length())
                    : beanName;
        }
    }
}
