package dev.ballast.boot.autoconfigure.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockStrategy;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code ballast.lock.redis.command-timeout} bounds the auto-configured Redis lock's calls, whatever the client's own
 * timeout (left at Lettuce's 60 s here, as Spring Boot's default): on a redis-server of the test's own, frozen with a
 * lock call in flight.
 */
class BallastLockRedisCommandTimeoutIT {

    private RedisServer redis;
    private RedisClient client;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        client = RedisClient.create(redis.uri());
    }

    @AfterEach
    void stop() throws Exception {
        client.shutdown();
        redis.close();
    }

    @Test
    void aLockCallInFlightWhenRedisFreezesFailsAfterTheConfiguredCommandTimeout() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class))
                .withBean(RedisClient.class, () -> client)
                .withPropertyValues("ballast.lock.backend=REDIS", "ballast.lock.redis.command-timeout=200ms")
                .run(context -> {
                    LockStrategy locks = context.getBean(LockStrategy.class);
                    locks.tryAcquire("warm-up", Duration.ZERO, Duration.ofSeconds(30))
                            .close();
                    redis.pause();
                    try {
                        CompletableFuture<?> inFlight = CompletableFuture.runAsync(
                                () -> locks.tryAcquire("frozen", Duration.ofSeconds(5), Duration.ofSeconds(30)),
                                command -> Thread.ofVirtual().start(command));
                        // Redis stays frozen throughout: the answer is the configured timeout, not Redis's return
                        assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS))
                                .isInstanceOf(ExecutionException.class)
                                .cause()
                                .isInstanceOf(LockBackendException.class)
                                .hasMessageContaining("redis lock backend failed to acquire 'frozen'");
                    } finally {
                        redis.resume();
                    }
                    assertThat(locks.backend()).isEqualTo("redis");
                });
    }
}
