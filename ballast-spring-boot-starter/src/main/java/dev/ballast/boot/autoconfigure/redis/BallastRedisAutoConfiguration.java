package dev.ballast.boot.autoconfigure.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * A Lettuce {@link RedisClient} for Ballast's cache and lock, built from the same settings Spring Boot's Redis support
 * reads: {@code spring.data.redis.url}, or {@code host}, {@code port}, {@code database}, {@code username},
 * {@code password}, {@code ssl.enabled}, {@code timeout} and {@code client-name}. Only when {@code url} or {@code host}
 * is set (without them Ballast stays on its embedded defaults: L1-only caches), and only if the application has no
 * {@code RedisClient} of its own. Standalone Redis only; for Sentinel or Cluster, define the client yourself.
 */
@AutoConfiguration
@ConditionalOnClass(RedisClient.class)
@Conditional(BallastRedisAutoConfiguration.RedisConfigured.class)
public final class BallastRedisAutoConfiguration {

    private static final String PREFIX = "spring.data.redis.";

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(RedisClient.class)
    RedisClient ballastRedisClient(Environment environment) {
        return RedisClient.create(uri(Binder.get(environment)));
    }

    static RedisURI uri(Binder binder) {
        String url = binder.bind(PREFIX + "url", String.class).orElse(null);
        RedisURI uri;
        if (url != null) {
            try {
                uri = RedisURI.create(url);
            } catch (RuntimeException e) { // the URL may hold a password: never echo it
                throw new IllegalStateException(PREFIX + "url is not a valid redis:// or rediss:// URL");
            }
        } else {
            String host = binder.bind(PREFIX + "host", String.class).orElse("localhost");
            int port = binder.bind(PREFIX + "port", Integer.class).orElse(6379);
            if (port < 1 || port > 65535) {
                throw new IllegalStateException(PREFIX + "port must be 1 to 65535, was " + port);
            }
            RedisURI.Builder builder = RedisURI.builder()
                    .withHost(host)
                    .withPort(port)
                    .withSsl(binder.bind(PREFIX + "ssl.enabled", Boolean.class).orElse(false));
            String username = binder.bind(PREFIX + "username", String.class).orElse(null);
            String password = binder.bind(PREFIX + "password", String.class).orElse(null);
            if (password != null) {
                if (username != null) {
                    builder.withAuthentication(username, password.toCharArray());
                } else {
                    builder.withPassword(password.toCharArray());
                }
            }
            uri = builder.build();
        }
        binder.bind(PREFIX + "database", Integer.class).ifBound(uri::setDatabase);
        binder.bind(PREFIX + "timeout", Duration.class).ifBound(uri::setTimeout);
        binder.bind(PREFIX + "client-name", String.class).ifBound(uri::setClientName);
        return uri;
    }

    /** {@code spring.data.redis.url} or {@code spring.data.redis.host} is set. */
    static final class RedisConfigured extends AnyNestedCondition {

        RedisConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(PREFIX + "url")
        static final class Url {}

        @ConditionalOnProperty(PREFIX + "host")
        static final class Host {}
    }
}
