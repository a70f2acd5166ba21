package dev.ballast.boot.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.test.Eventually;
import dev.ballast.test.LogCapture;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The REDIS lock backend's health reads PING Redis on one connection, kept across reads and closed with the context,
 * and still say DOWN while Redis is unreachable. Against a redis-server of the test's own, whose connection counters no
 * other test moves.
 */
class RedisLockHealthTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("dev.ballast");

    private RedisServer redis;
    /** The test's own connection for INFO, counted in connected_clients. */
    private StatefulRedisConnection<String, String> info;

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopRedis() throws Exception {
        redis.close();
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastRedisAutoConfiguration.class,
                        BallastExecutorAutoConfiguration.class,
                        BallastLockAutoConfiguration.class,
                        BallastActuatorAutoConfiguration.class))
                .withPropertyValues(
                        "spring.data.redis.host=127.0.0.1",
                        "spring.data.redis.port=" + redis.port(),
                        "spring.data.redis.timeout=2s",
                        "ballast.lock.backend=REDIS");
    }

    @Test
    void fiftyHealthReadsShareOneRedisConnectionThatIsClosedWithTheContext() {
        RedisClient observer = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = observer.connect()) {
            info = connection;
            healthReadsShareOneConnection();
        } finally {
            observer.shutdown();
        }
    }

    private void healthReadsShareOneConnection() {
        long clientsBefore = stat("connected_clients");
        runner().run(context -> {
            assertThat(lockHealth(context).getStatus()).isEqualTo(Status.UP); // the first read opens the connection
            long clients = stat("connected_clients");
            long connections = stat("total_connections_received");

            for (int i = 0; i < 50; i++) {
                assertThat(lockHealth(context).getStatus()).isEqualTo(Status.UP);
            }

            assertThat(stat("total_connections_received") - connections)
                    .as("connections opened by 50 health reads")
                    .isZero();
            assertThat(stat("connected_clients") - clients).isLessThanOrEqualTo(1);
        });
        Eventually.within(
                Duration.ofSeconds(5),
                "the context's Redis connections, the health one included, are closed",
                () -> stat("connected_clients") == clientsBefore);
    }

    @Test
    void healthIsDownWhileRedisIsUnreachableAndUpAgainWhenItAnswers() throws Exception {
        runner().run(context -> {
            assertThat(lockHealth(context).getStatus()).isEqualTo(Status.UP);

            redis.kill();
            Eventually.within(Duration.ofSeconds(5), "health says DOWN with Redis killed", () -> lockHealth(context)
                    .getStatus()
                    .equals(Status.DOWN));
            assertThat(lockHealth(context).getDetails())
                    .containsEntry("backend", "redis")
                    .hasEntrySatisfying("error", error -> assertThat((String) error)
                            .as("says what failed, not only an exception class")
                            .contains(": "));

            redis.restart();
            Eventually.within(
                    Duration.ofSeconds(15),
                    "health says UP once Redis answers again",
                    () -> lockHealth(context).getStatus().equals(Status.UP));
        });
    }

    @Test
    void concurrentHealthReadsDuringARedisFreezeTakeOnePingsAnswerInsteadOfQueueingBehindEachOthersTimeouts()
            throws Exception {
        int readers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        try {
            runner().run(context -> {
                assertThat(lockHealth(context).getStatus()).isEqualTo(Status.UP); // the connection is open
                redis.pause(); // SIGSTOP: the connection stays open, every PING waits out the 1 s timeout
                try {
                    List<Future<Duration>> reads = new ArrayList<>();
                    for (int i = 0; i < readers; i++) {
                        reads.add(pool.submit(() -> {
                            long start = System.nanoTime();
                            assertThat(lockHealth(context).getStatus()).isEqualTo(Status.DOWN);
                            return Duration.ofNanos(System.nanoTime() - start);
                        }));
                    }
                    Duration slowest = Duration.ZERO;
                    for (Future<Duration> read : reads) {
                        Duration took = read.get(60, TimeUnit.SECONDS);
                        slowest = took.compareTo(slowest) > 0 ? took : slowest;
                    }
                    assertThat(slowest)
                            .as(
                                    "the slowest of %d concurrent health reads (PING timeout 1 s; queued, the last"
                                            + " waits %d)",
                                    readers, readers)
                            .isLessThan(Duration.ofSeconds(3));
                } finally {
                    redis.resume();
                }
                Eventually.within(
                        Duration.ofSeconds(15),
                        "health says UP once Redis answers again",
                        () -> lockHealth(context).getStatus().equals(Status.UP));
            });
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHealthPingSeesRedisAgainSoonAfterItReturnsWhateverTheClientsReconnectBackOff() throws Exception {
        // found by a black-box check: health said Redis was unreachable for up to 30 s after it answered again, the
        // PING's connection waiting for Lettuce's reconnect, which backs off up to 30 s; here the client's reconnect
        // waits a minute
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.constant(Duration.ofMinutes(1)))
                .build();
        RedisClient client = RedisClient.create(resources, redis.uri());
        try (RedisPing ping = new RedisPing(client, Duration.ofSeconds(1))) {
            ping.ping();
            redis.kill();
            Eventually.within(Duration.ofSeconds(5), "the PING fails with Redis killed", () -> fails(ping));

            redis.restart();
            Eventually.within(Duration.ofSeconds(5), "the PING answers again", () -> !fails(ping));
        } finally {
            client.shutdown();
            resources.shutdown();
        }
    }

    /**
     * Found by a black-box check: a health read that had to open the PING's connection while Redis was frozen waited
     * for the connect (Lettuce's connect timeout, 10 s by default), not the PING timeout; the reads behind it gave up
     * after theirs. The connect now goes on in the background, and the read answers within the PING timeout.
     */
    @Test
    void aHealthPingThatMustConnectWhileRedisIsFrozenAnswersWithinItsTimeout() throws Exception {
        RedisClient client = RedisClient.create(redis.uri());
        try (RedisPing ping = new RedisPing(client, Duration.ofSeconds(1))) {
            redis.pause(); // SIGSTOP before the first read: the kernel accepts the connection, Redis never answers
            try {
                long start = System.nanoTime();
                assertThat(fails(ping)).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("a read that opens the connection (PING timeout 1 s)")
                        .isLessThan(Duration.ofMillis(2500));
                start = System.nanoTime();
                assertThat(fails(ping)).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("the next read, while that connect is still under way")
                        .isLessThan(Duration.ofMillis(2500));
            } finally {
                redis.resume();
            }
            Eventually.within(Duration.ofSeconds(15), "the PING answers once Redis does", () -> !fails(ping));
        } finally {
            client.shutdown();
        }
    }

    private static boolean fails(RedisPing ping) {
        try {
            ping.ping();
            return false;
        } catch (RuntimeException e) {
            return true;
        }
    }

    @Test
    void healthIsDownWhenRedisIsUnreachableFromTheFirstRead() throws Exception {
        redis.kill();
        runner().run(context -> assertThat(lockHealth(context).getStatus()).isEqualTo(Status.DOWN));
    }

    @Test
    void theHealthErrorNeverShowsCredentialsOfARedisUri() {
        assertThat(BallastHealth.withoutCredentials("Unable to connect to redis://app:s3cret@10.0.0.5:6379/0"))
                .isEqualTo("Unable to connect to redis://10.0.0.5:6379/0")
                .doesNotContain("s3cret");
        assertThat(BallastHealth.withoutCredentials("The Redis connection is down (Lettuce is reconnecting)"))
                .isEqualTo("The Redis connection is down (Lettuce is reconnecting)");
    }

    private long stat(String name) {
        for (String line : info.sync().info("all").split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new IllegalStateException("INFO has no " + name);
    }

    private static org.springframework.boot.health.contributor.Health lockHealth(AssertableApplicationContext context) {
        CompositeHealthContributor ballast =
                context.getBean("ballastHealthContributor", CompositeHealthContributor.class);
        return ((HealthIndicator) ballast.getContributor("lock")).health();
    }
}
