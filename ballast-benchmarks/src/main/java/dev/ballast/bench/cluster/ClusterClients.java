package dev.ballast.bench.cluster;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * The clients of the cluster benchmarks, with the same client-side choices on both sides: every read and write goes to
 * the primary of the key's slot (Lettuce's default; Redisson's {@code ReadMode.MASTER}, whose default would read from
 * replicas), and the topology is refreshed as Ballast's starter configures Lettuce (adaptive triggers) and as Redisson
 * does by default (a scan every second); neither refresh runs while the topology is stable. Connection handling stays
 * each library's own: Lettuce one shared connection per node, Redisson a pool per primary.
 */
final class ClusterClients {

    private ClusterClients() {}

    /** {@code seeds}: comma-separated {@code redis://host:port} of the nodes. */
    @SuppressWarnings("deprecation") // Lettuce 7 deprecates it without a replacement (as the starter does)
    static RedisClusterClient lettuce(String seeds) {
        List<RedisURI> uris =
                Arrays.stream(seeds.split(",")).map(RedisURI::create).toList();
        RedisClusterClient client = RedisClusterClient.create(uris);
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        return client;
    }

    static RedissonClient redisson(String seeds) {
        Config config = new Config();
        config.useClusterServers().addNodeAddress(seeds.split(",")).setReadMode(ReadMode.MASTER);
        return Redisson.create(config);
    }

    /**
     * {@code perPrimary} names for each primary of the cluster, taken in order from {@code candidate(0)}, {@code
     * candidate(1)}, …, each placed by the slot of the whole name (so a name without braces, used as a hash tag or as a
     * key, lands in the same slot), so that a benchmark that cycles through them spreads its commands evenly over the
     * shards.
     */
    static List<String> spread(RedisClusterClient client, int perPrimary, IntFunction<String> candidate) {
        client.refreshPartitions();
        Partitions partitions = client.getPartitions();
        Map<String, List<String>> byPrimary = new LinkedHashMap<>();
        partitions.forEach(node -> {
            if (!node.getSlots().isEmpty()) {
                byPrimary.put(node.getNodeId(), new ArrayList<>());
            }
        });
        for (int i = 0; byPrimary.values().stream().anyMatch(names -> names.size() < perPrimary); i++) {
            if (i > 100_000) {
                throw new IllegalStateException("could not spread names over " + byPrimary.keySet());
            }
            String name = candidate.apply(i);
            String owner = partitions.getPartitionBySlot(SlotHash.getSlot(name)).getNodeId();
            List<String> names = byPrimary.get(owner);
            if (names != null && names.size() < perPrimary) {
                names.add(name);
            }
        }
        List<String> spread = new ArrayList<>();
        for (int i = 0; i < perPrimary; i++) { // interleaved: consecutive names on different shards
            for (List<String> names : byPrimary.values()) {
                spread.add(names.get(i));
            }
        }
        return spread;
    }
}
