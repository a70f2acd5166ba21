package dev.ballast.testkit;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.List;

/**
 * The Lettuce client the test kit's Redis Cluster ITs (cache and lock contracts) connect with. Used from their
 * {@code @BeforeAll}; holds no state. Guards that both find a promoted replica the same way after a failover: every
 * adaptive refresh trigger, and a periodic refresh every second.
 */
public final class ClusterClients {

    private ClusterClients() {}

    /** A client seeded with {@code uris}, {@code timeout} per command, refreshing its topology as described above. */
    public static RedisClusterClient refreshingEverySecond(List<String> uris, Duration timeout) {
        RedisClusterClient client = RedisClusterClient.create(uris.stream()
                .map(uri -> RedisURI.builder(RedisURI.create(uri))
                        .withTimeout(timeout)
                        .build())
                .toList());
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .enablePeriodicRefresh(Duration.ofSeconds(1))
                        .build())
                .build());
        return client;
    }
}
