package dev.ballast.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.testkit.lock.LockStrategyContract;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The lock contract on the machine's shared Redis; every test uses its own keys. */
class RedisLockStrategyIT extends LockStrategyContract {

    private static final RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
    private static final StatefulRedisConnection<String, String> admin = client.connect();
    private static final JdbcDataSource resources = new JdbcDataSource();

    static {
        resources.setURL("jdbc:h2:mem:redis-lock-resources;DB_CLOSE_DELAY=-1");
    }

    @AfterAll
    static void closeClient() {
        admin.close();
        client.shutdown();
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

    @Test
    void tokensStayAboveEarlierOnesWhenTheFenceCounterIsLost() {
        String key = "fence-loss:" + UUID.randomUUID();
        long before;
        try (LockHandle first = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            before = first.fencingToken();
        }
        admin.sync().del(RedisLockBackend.fenceKey(key)); // as after a restart without persistence

        try (LockHandle after = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            assertThat(after.fencingToken()).isGreaterThan(before);
        }
    }
}
