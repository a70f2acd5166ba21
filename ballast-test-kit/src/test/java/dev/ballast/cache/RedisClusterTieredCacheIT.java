package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.RedisCluster;
import dev.ballast.testkit.ClusterClients;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cache contract with L2 on a Redis Cluster of the test's own (3 primaries, 3 replicas), plus what only a cluster
 * can show: one slot per cache, scripts re-loaded after {@code SCRIPT FLUSH}, and a failover of the cache's primary
 * under load (runs last: it leaves the cluster with five nodes).
 */
class RedisClusterTieredCacheIT extends FailoverTieredCacheContract {

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create();

    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> raw;

    @BeforeAll
    static void connect() {
        client = ClusterClients.refreshingEverySecond(cluster.uris(), RedisURI.DEFAULT_TIMEOUT_DURATION);
        raw = client.connect();
    }

    @AfterAll
    static void close() {
        raw.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    protected void killTheCachesPrimaryAndAwaitPromotion() throws Exception {
        int victim = cluster.primaryPortOf("{" + name + "}");
        int promoted = cluster.killPrimaryAndAwaitPromotion(victim);
        assertThat(cluster.primaryPortOf("{" + name + "}")).isEqualTo(promoted);
    }

    @Override
    protected TieredCache.Builder<String, Quote> tier(TieredCache.Builder<String, Quote> builder) {
        return builder.redis(client);
    }

    @Test
    void everyKeyOfACacheIsInTheSlotOfItsNameSoEachScriptRunsOnOneNode() {
        TieredCache<String, Quote> cache = create(settings().build());
        cache.get("005930", this::load);
        cache.get("000660", this::load);
        cache.evict("000660"); // creates the invalidation counter

        int slot = SlotHash.getSlot("{" + name + "}");
        List<String> keys = raw.sync().keys("ballast:cache:{" + name + "}*");
        assertThat(keys)
                .contains("ballast:cache:{" + name + "}:v1:005930", "ballast:cache:{" + name + "}#seq")
                .allSatisfy(key -> assertThat(SlotHash.getSlot(key)).isEqualTo(slot));
        assertThat(SlotHash.getSlot("ballast:cache:{" + name + "}:v1#lease:005930"))
                .isEqualTo(slot);
    }

    @Test
    void scriptsFlushedFromEveryNodeAreLoadedAgainWithoutAnError() {
        TieredCache<String, Quote> first = create(settings().build());
        TieredCache<String, Quote> second = create(settings().build());
        first.get("005930", this::load);

        raw.sync().scriptFlush(); // every primary forgets the scripts, as a promoted replica that never ran them

        first.put("005930", new Quote("005930", "72000.00"));
        assertThat(second.get("005930", this::load)).isEqualTo(new Quote("005930", "72000.00"));
        assertThat(second.get("000660", this::load)).isEqualTo(new Quote("000660", "71200.00"));
        assertThat(loads).hasValue(2);
        assertThat(l2Errors(first) + l2Errors(second)).isZero();
    }

    private double l2Errors(TieredCache<?, ?> cache) {
        return registry(cache).find("ballast.cache.l2.errors").counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }
}
