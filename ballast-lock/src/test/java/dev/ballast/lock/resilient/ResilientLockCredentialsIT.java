package dev.ballast.lock.resilient;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.LogCapture;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis that refuses the lock's password at start-up: the resilient strategy's start-up line says so in Redis's own
 * words (never the password) instead of only "does not answer", and locks are taken on the database meanwhile. The test
 * runs its own redis-server, with a password set, and the shared PostgreSQL for the fallback; once directly, once
 * through a proxy that closes the first connection during the handshake (where Lettuce may report only "Connection
 * closed prematurely", its own close of the channel racing the server's refusal).
 */
class ResilientLockCredentialsIT {

    @RegisterExtension
    final LogCapture log = LogCapture.of(ResilientLockStrategy.class);

    @Test
    void aPasswordRedisRefusesIsNamedInTheStartUpLineAndLocksGoToTheDatabase() throws Exception {
        startWithWrongPassword(0);
    }

    @Test
    void aRefusalAfterAConnectionClosedDuringTheHandshakeIsStillNamed() throws Exception {
        startWithWrongPassword(1);
    }

    private void startWithWrongPassword(int hangUps) throws Exception {
        String prefix = ResilientInstance.prefix("cr");
        try (RedisServer server = RedisServer.start();
                FaultProxy proxy = FaultProxy.start(server.port())) {
            RedisClient admin = RedisClient.create(server.uri());
            try (StatefulRedisConnection<String, String> connection = admin.connect()) {
                connection.sync().configSet("requirepass", "the-right-one");
            } finally {
                admin.shutdown();
            }
            proxy.hangUpOnNext(hangUps);
            try (ResilientInstance instance = ResilientInstance.onServer(
                    "A",
                    prefix,
                    2,
                    "redis://:wrong-secret-xyz@127.0.0.1:" + proxy.port(),
                    Duration.ofSeconds(1),
                    LockListener.none())) {
                ResilientInstance.awaitTrue(
                        "the switch to the database", () -> "jdbc".equals(instance.locks.activeBackend()), 30);
                try (LockHandle held =
                        instance.locks.tryAcquire("account:1", Duration.ofSeconds(5), Duration.ofSeconds(5))) {
                    assertThat(held.key()).isEqualTo("account:1");
                }
            }
        } finally {
            ResilientInstance.dropTables(ResilientInstance.pool(1), prefix);
        }

        assertThat(log.eventsAtLeast(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line)
                        .startsWith("Lock backend redis does not answer at start-up: it refused the credentials (")
                        .containsAnyOf("WRONGPASS", "AUTH"))
                .allSatisfy(line -> assertThat(line).doesNotContain("wrong-secret-xyz"));
    }
}
