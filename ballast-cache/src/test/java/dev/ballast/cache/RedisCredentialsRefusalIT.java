package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** A wrong Redis password is named as such at start-up, not only as "Unable to connect". */
class RedisCredentialsRefusalIT {

    @Test
    void aPasswordRedisRefusesIsFoundInLettucesConnectFailureWithoutThePassword() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            RedisClient admin = RedisClient.create(server.uri());
            try (StatefulRedisConnection<String, String> connection = admin.connect()) {
                connection.sync().configSet("requirepass", "the-right-one");
            } finally {
                admin.shutdown();
            }
            assertRefusalNamed(RedisClient.create("redis://:wrong-secret-xyz@127.0.0.1:" + server.port()));
        }
    }

    private static void assertRefusalNamed(RedisClient client) {
        try {
            Throwable failure = catchThrowable(client::connect);

            assertThat(failure).isInstanceOf(RedisConnectionException.class);
            StringBuilder chain = new StringBuilder();
            for (Throwable t = failure; t != null; t = t.getCause()) {
                chain.append(" <- ").append(t);
            }
            assertThat(RedisLink.credentialsRefusal(failure))
                    .as(chain.toString())
                    .isNotNull()
                    .containsAnyOf("WRONGPASS", "AUTH")
                    .doesNotContain("wrong-secret-xyz");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aServerThatIsDownIsNotReportedAsACredentialsRefusal() {
        Throwable down = new RedisConnectionException(
                "Unable to connect to 127.0.0.1:1", new ConnectException("Connection refused"));

        assertThat(RedisLink.credentialsRefusal(down)).isNull();
    }
}
