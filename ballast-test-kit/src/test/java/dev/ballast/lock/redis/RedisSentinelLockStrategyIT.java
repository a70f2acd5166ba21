package dev.ballast.lock.redis;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.test.RedisSentinel;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lock contract behind Redis Sentinel (1 primary, 1 replica, 3 Sentinels of the test's own; a standalone client
 * with a Sentinel URI, which asks the Sentinels for the primary on every (re)connect), and the failover of the primary
 * with a lock that never reached the replica (last).
 */
class RedisSentinelLockStrategyIT extends RedisFailoverLockContract {

    @RegisterExtension
    static final RedisSentinel sentinel = RedisSentinel.create();

    private static final JdbcDataSource resources = new JdbcDataSource();
    private static ClientResources clientResources;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> admin;

    static {
        resources.setURL("jdbc:h2:mem:redis-sentinel-lock-resources;DB_CLOSE_DELAY=-1");
    }

    @BeforeAll
    static void connect() {
        // a short, constant reconnect delay instead of Lettuce's back-off growing to 30 s: connections find the
        // promoted primary soon after the Sentinels name it
        clientResources = ClientResources.builder()
                .reconnectDelay(Delay.constant(Duration.ofMillis(200)))
                .build();
        RedisURI uri = RedisURI.create(sentinel.uri());
        uri.setTimeout(Duration.ofSeconds(2));
        client = RedisClient.create(clientResources, uri);
        admin = client.connect();
    }

    @AfterAll
    static void close() {
        admin.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        clientResources.shutdown();
    }

    @Override
    protected LockStrategy create(LockListener listener) {
        return RedisLockStrategies.create(client, listener, AlertSink.logging());
    }

    @Override
    protected void expireLease(String key) {
        admin.sync().del(RedisLockBackend.lockKey(key));
    }

    @Override
    protected DataSource resources() {
        return resources;
    }

    @Override
    protected int primaryPortOf(String redisKey) {
        return sentinel.primaryPort();
    }

    @Override
    protected void awaitReplicasInSync(int primaryPort) throws Exception {
        sentinel.awaitReplicaInSync();
    }

    @Override
    protected void cutReplicaOff(int primaryPort) throws Exception {
        sentinel.cutReplicaOff();
    }

    @Override
    protected void killPrimaryAndAwaitPromotion(int primaryPort) throws Exception {
        sentinel.killPrimaryAndAwaitPromotion();
    }
}
