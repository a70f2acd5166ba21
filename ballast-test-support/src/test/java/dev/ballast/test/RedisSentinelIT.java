package dev.ballast.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisSentinelIT {

    @RegisterExtension
    static final RedisSentinel sentinel = RedisSentinel.create();

    @Test
    void aWriteNotReplicatedBeforeThePrimaryDiesIsLostAndTheSentinelsPromoteTheReplica() throws Exception {
        int primary = sentinel.primaryPort();
        assertThat(sentinel.uri()).startsWith("redis-sentinel://127.0.0.1:").endsWith("#ballast");
        assertThat(sentinel.sentinelPorts()).hasSize(3);
        assertThat(redisCli(primary, "SET", "005930", "replicated")).isEqualTo("OK");
        sentinel.awaitReplicaInSync();
        sentinel.cutReplicaOff();
        assertThat(redisCli(primary, "SET", "000660", "lost")).isEqualTo("OK");

        int promoted = sentinel.killPrimaryAndAwaitPromotion();

        assertThat(promoted).isNotEqualTo(primary).isEqualTo(sentinel.primaryPort());
        assertThat(redisCli(promoted, "GET", "005930")).isEqualTo("replicated");
        assertThat(redisCli(promoted, "EXISTS", "000660")).isEqualTo("0");
        assertThat(redisCli(promoted, "SET", "000660", "after")).isEqualTo("OK");
    }

    private static String redisCli(int port, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
