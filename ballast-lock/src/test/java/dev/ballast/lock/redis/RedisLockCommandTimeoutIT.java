package dev.ballast.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import dev.ballast.test.Eventually;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A lock call in flight when Redis stops answering, on a redis-server of the test's own: it fails after the lock's
 * command timeout while Redis is still gone (the client's own timeout is left at Lettuce's 60 s, as Spring Boot's
 * default), and the acquisition nobody heard the answer of does not keep the key for its whole lease afterwards.
 */
class RedisLockCommandTimeoutIT {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);
    /** Far longer than any wait below: a key left held by the unanswered acquisition would fail them. */
    private static final Duration LEASE = Duration.ofSeconds(60);

    private RedisServer redis;
    private RedisClient client;
    private LockStrategy locks;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        client = RedisClient.create(redis.uri());
        locks = RedisLockStrategies.builder(client)
                .commandTimeout(COMMAND_TIMEOUT)
                .build();
        locks.tryAcquire("warm-up", Duration.ZERO, LEASE).close(); // connections open, scripts cached
    }

    @AfterEach
    void stop() throws Exception {
        locks.close();
        client.shutdown();
        redis.close();
    }

    @Test
    void anAcquisitionInFlightWhenRedisFreezesFailsWhileRedisIsStillFrozenAndLeavesTheKeyFreeAfterwards()
            throws Exception {
        redis.pause();
        CompletableFuture<LockHandle> inFlight = acquireInBackground("frozen");
        try {
            // Redis stays frozen throughout this wait: an answer now is the lock's own timeout, not Redis's return
            assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(LockBackendException.class);
        } finally {
            redis.resume();
        }
        // the frozen server ran the acquisition when it resumed; its owner is released in the background, so the key
        // is free long before the 60 s lease runs out
        try (LockHandle next = locks.tryAcquire("frozen", Duration.ofSeconds(10), LEASE)) {
            assertThat(next.isValid()).isTrue();
        }
    }

    @Test
    void anAcquisitionInFlightWhenRedisDiesFailsBeforeRedisIsBackAndIsNotReplayedWhenItReturns() throws Exception {
        redis.pause();
        CompletableFuture<LockHandle> inFlight = acquireInBackground("killed");
        redis.kill(); // the connection drops with the command in flight; Lettuce would re-send it on reconnect
        assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(LockBackendException.class);

        redis.restart();
        // Lettuce reconnects on its own back-off; once the lock works again the key must be free at once: the failed
        // call was not replayed into a lock nobody holds
        Eventually.within(Duration.ofSeconds(40), "the lock works again after Redis's restart", () -> {
            try {
                locks.tryAcquire("probe", Duration.ZERO, LEASE).close();
                return true;
            } catch (LockBackendException stillReconnecting) {
                return false;
            }
        });
        try (LockHandle next = locks.tryAcquire("killed", Duration.ZERO, LEASE)) {
            assertThat(next.isValid()).isTrue();
        }
    }

    private CompletableFuture<LockHandle> acquireInBackground(String key) {
        return CompletableFuture.supplyAsync(
                () -> locks.tryAcquire(key, Duration.ofSeconds(5), LEASE),
                command -> Thread.ofVirtual().start(command));
    }
}
