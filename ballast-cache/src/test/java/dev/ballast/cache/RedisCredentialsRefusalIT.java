package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.LogCapture;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.ConnectException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A wrong Redis password is named as such in the cache's start-up line, not only as "Unable to connect", and never the
 * password itself; also when the first connection is closed during the handshake, where Lettuce may report only
 * "Connection closed prematurely" (its own close of the channel can win the race with the server's refusal).
 */
class RedisCredentialsRefusalIT {

    private static final String RIGHT = "the-right-one";
    private static final String WRONG = "wrong-secret-xyz";

    @RegisterExtension
    final LogCapture log = LogCapture.of(RedisLink.class);

    private RedisServer server;
    private FaultProxy proxy;

    @BeforeEach
    void protectedRedis() throws Exception {
        server = RedisServer.start();
        RedisClient admin = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> connection = admin.connect()) {
            connection.sync().configSet("requirepass", RIGHT);
        } finally {
            admin.shutdown();
        }
        proxy = FaultProxy.start(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        server.close();
    }

    @Test
    void aPasswordRedisRefusesIsNamedInTheStartUpLineWithoutThePassword() {
        String line = startUpWarning(server.port(), WRONG, TieredCache.L2Status.BREAKER_OPEN);

        assertThat(line)
                .contains("Redis L2 unreachable at start-up")
                .contains("Redis refused the credentials: WRONGPASS")
                .doesNotContain(WRONG);
    }

    @Test
    void aRefusalAfterAConnectionClosedDuringTheHandshakeIsStillNamed() {
        proxy.hangUpOnNext(1);

        String line = startUpWarning(proxy.port(), WRONG, TieredCache.L2Status.BREAKER_OPEN);

        assertThat(line).contains("Redis refused the credentials: WRONGPASS").doesNotContain(WRONG);
    }

    @Test
    void aConnectionClosedOnceDuringTheHandshakeDoesNotStartTheCacheDegraded() {
        proxy.hangUpOnNext(1);

        assertThat(startUpWarning(proxy.port(), RIGHT, TieredCache.L2Status.UP)).isNull();
    }

    @Test
    void aServerThatIsDownIsNotReportedAsACredentialsRefusal() {
        Throwable down = new RedisConnectionException(
                "Unable to connect to 127.0.0.1:1", new ConnectException("Connection refused"));

        assertThat(RedisLink.credentialsRefusal(down)).isNull();
    }

    /** Builds a cache on {@code port} with {@code password}; its start-up WARN line (null if none) at {@code status}. */
    private String startUpWarning(int port, String password, TieredCache.L2Status status) {
        RedisClient client = RedisClient.create("redis://:" + password + "@127.0.0.1:" + port);
        try (TieredCache<String, Quote> cache = TieredCache.<String, Quote>builder(
                        CacheSettings.builder("credentials").build(), Codec.json(Quote.class))
                .redis(client)
                .build()) {
            assertThat(cache.l2Status()).isEqualTo(status);
            List<String> warnings = log.eventsAtLeast(Level.WARN).stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(message -> message.contains("at start-up"))
                    .toList();
            assertThat(warnings).hasSizeLessThanOrEqualTo(1);
            return warnings.isEmpty() ? null : warnings.getFirst();
        } finally {
            client.shutdown();
        }
    }
}
