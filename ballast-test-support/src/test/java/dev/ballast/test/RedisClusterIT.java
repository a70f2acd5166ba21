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
class RedisClusterIT {

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create();

    @Test
    void aKilledPrimaryIsReplacedByItsReplicaWithoutTheWritesItNeverReceivedAndItsSlotsServeAgain() throws Exception {
        assertThat(cluster.uris()).hasSize(6);
        List<Integer> primaries = cluster.primaryPorts();
        assertThat(primaries).hasSize(3);
        int victim = cluster.primaryPortOf("005930");
        assertThat(primaries).contains(victim);
        assertThat(redisCli(victim, "SET", "005930", "before")).isEqualTo("OK");

        cluster.awaitReplicasInSync(victim);
        cluster.cutReplicaOff(victim);
        assertThat(redisCli(victim, "SET", "{005930}:lost", "not replicated")).isEqualTo("OK");

        int promoted = cluster.killPrimaryAndAwaitPromotion(victim);

        assertThat(promoted).isNotEqualTo(victim).isNotIn(primaries);
        assertThat(cluster.primaryPortOf("005930")).isEqualTo(promoted);
        assertThat(cluster.primaryPorts()).hasSize(3).doesNotContain(victim).contains(promoted);
        assertThat(cluster.uris()).hasSize(5);
        assertThat(redisCli(promoted, "GET", "005930")).isEqualTo("before");
        assertThat(redisCli(promoted, "EXISTS", "{005930}:lost")).isEqualTo("0");
        assertThat(redisCli(promoted, "SET", "005930", "after")).isEqualTo("OK");
        assertThat(redisCli(promoted, "GET", "005930")).isEqualTo("after");
    }

    private static String redisCli(int port, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
