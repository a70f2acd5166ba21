package dev.ballast.boot.autoconfigure.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockStrategy;
import dev.ballast.test.Eventually;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.Disposable;

/**
 * {@code ballast.lock.redis.command-timeout} bounds the auto-configured Redis lock's calls, whatever the client's own
 * timeout (left at Lettuce's 60 s here, as Spring Boot's default), and {@code ballast.lock.redis.reconnect-delay} brings
 * the REDIS backend back after an outage, whatever Lettuce's own back-off, and {@code ballast.lock.redis.fence-retention}
 * is how long a fence counter stays: on a redis-server of the test's own.
 */
class BallastLockRedisCommandTimeoutIT {

    private RedisServer redis;
    private RedisClient client;

    /** The highest attempt of Lettuce's own reconnects that failed, from the client's event bus. */
    private final AtomicInteger reconnectAttempts = new AtomicInteger();

    private Disposable reconnects;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        client = RedisClient.create(redis.uri());
        reconnects = client.getResources()
                .eventBus()
                .get()
                .ofType(ReconnectFailedEvent.class)
                .subscribe(failed -> reconnectAttempts.accumulateAndGet(failed.getAttempt(), Math::max));
    }

    @AfterEach
    void stop() throws Exception {
        reconnects.dispose();
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

    @Test
    void theConfiguredFenceRetentionIsHowLongALockedKeysFenceCounterStaysInRedis() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class))
                .withBean(RedisClient.class, () -> client)
                .withPropertyValues("ballast.lock.backend=REDIS", "ballast.lock.redis.fence-retention=3h")
                .run(context -> {
                    context.getBean(LockStrategy.class)
                            .tryAcquire("account:7", Duration.ZERO, Duration.ofSeconds(30))
                            .close();
                    try (var admin = client.connect()) {
                        long ttl = admin.sync().pttl("ballast:lock:fence:{account:7}");
                        assertThat(Duration.ofMillis(ttl))
                                .isBetween(Duration.ofHours(3).minusMinutes(1), Duration.ofHours(3));
                    }
                });
    }

    @Test
    void whileRedisIsDownRedisLockCallsFailAtOnceAndLocksReturnSoonAfterItIsBack() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class))
                .withBean(RedisClient.class, () -> client)
                .withPropertyValues(
                        "ballast.lock.backend=REDIS",
                        "ballast.lock.redis.command-timeout=5s",
                        "ballast.lock.redis.reconnect-delay=200ms")
                .run(context -> {
                    LockStrategy locks = context.getBean(LockStrategy.class);
                    locks.tryAcquire("warm-up", Duration.ZERO, Duration.ofSeconds(30))
                            .close();
                    redis.kill();
                    // the connection is seen closed: calls fail at once, not after the 5 s command timeout
                    Eventually.within(Duration.ofSeconds(4), "a lock call fails at once", () -> {
                        long started = System.nanoTime();
                        try {
                            locks.tryAcquire("down", Duration.ZERO, Duration.ofSeconds(30))
                                    .close();
                            return false;
                        } catch (LockBackendException down) {
                            return System.nanoTime() - started
                                    < Duration.ofSeconds(1).toNanos();
                        }
                    });
                    // Redis stays down until Lettuce's own reconnect back-off (2^attempt ms) has grown past the 3 s
                    // bound below: from its 12th failed attempt on, its next one is over 4 s away
                    Eventually.within(
                            Duration.ofSeconds(30),
                            "Lettuce's reconnect back-off past 4 s",
                            () -> reconnectAttempts.get() >= 12);
                    redis.restart();
                    Eventually.within(Duration.ofSeconds(3), "a lock is taken soon after Redis is back", () -> {
                        try {
                            locks.tryAcquire("back", Duration.ZERO, Duration.ofSeconds(30))
                                    .close();
                            return true;
                        } catch (LockBackendException stillDown) {
                            return false;
                        }
                    });
                });
    }
}
