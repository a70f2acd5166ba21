package dev.ballast.bench.lock;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.redis.RedisLockStrategies;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** A Redis lock implementation under comparison: Ballast's Redis strategy or Redisson's RLock, on the same server. */
interface LockSubject extends AutoCloseable {

    Duration LEASE = Duration.ofSeconds(30);
    Duration WAIT = Duration.ofSeconds(30);

    /** Acquires {@code key}, waiting up to {@link #WAIT}; the returned runnable releases it (on the same thread). */
    Runnable acquire(String key) throws Exception;

    @Override
    void close();

    static LockSubject create(String name, String redisUri) {
        return switch (name) {
            case "ballast" -> new Ballast(redisUri);
            case "redisson" -> new RedissonSubject(redisUri);
            default -> throw new IllegalArgumentException("unknown lock subject " + name);
        };
    }

    final class Ballast implements LockSubject {
        private final RedisClient client;
        private final LockStrategy locks;

        Ballast(String redisUri) {
            client = RedisClient.create(redisUri);
            locks = RedisLockStrategies.create(client, LockListener.none(), AlertSink.logging());
        }

        @Override
        public Runnable acquire(String key) {
            LockHandle handle = locks.tryAcquire(key, WAIT, LEASE);
            return handle::close;
        }

        @Override
        public void close() {
            locks.close();
            client.shutdown();
        }
    }

    final class RedissonSubject implements LockSubject {
        private final RedissonClient redisson;

        RedissonSubject(String redisUri) {
            Config config = new Config();
            config.useSingleServer().setAddress(redisUri);
            redisson = Redisson.create(config);
        }

        @Override
        public Runnable acquire(String key) throws InterruptedException {
            RLock lock = redisson.getLock(key);
            if (!lock.tryLock(WAIT.toMillis(), LEASE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("Redisson did not acquire " + key);
            }
            return lock::unlock;
        }

        @Override
        public void close() {
            redisson.shutdown();
        }
    }
}
