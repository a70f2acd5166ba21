package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.RedisSentinel;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cache contract with L2 behind Redis Sentinel (1 primary, 1 replica, 3 Sentinels of the test's own; a standalone
 * client with a Sentinel URI), and a failover of the primary under load (last).
 */
class RedisSentinelTieredCacheIT extends FailoverTieredCacheContract {

    @RegisterExtension
    static final RedisSentinel sentinel = RedisSentinel.create();

    private static ClientResources resources;
    private static RedisClient client;

    @BeforeAll
    static void connect() {
        resources = ClientResources.builder()
                .reconnectDelay(Delay.constant(Duration.ofMillis(200)))
                .build();
        client = RedisClient.create(resources, RedisURI.create(sentinel.uri()));
    }

    @AfterAll
    static void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown();
    }

    @Override
    protected TieredCache.Builder<String, Quote> tier(TieredCache.Builder<String, Quote> builder) {
        return builder.redis(client);
    }

    @Override
    protected void killTheCachesPrimaryAndAwaitPromotion() throws Exception {
        int old = sentinel.primaryPort();
        assertThat(sentinel.killPrimaryAndAwaitPromotion()).isNotEqualTo(old);
    }
}
