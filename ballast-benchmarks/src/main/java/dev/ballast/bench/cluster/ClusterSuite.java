package dev.ballast.bench.cluster;

import dev.ballast.bench.cache.StampedeHarness;
import dev.ballast.bench.fair.Jmh;
import dev.ballast.bench.fair.Machine;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.bench.fair.Stats;
import dev.ballast.test.RedisCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The Redis Cluster suite (issue 19, point 4), run by {@code scripts/bench cluster}: on a local 3-primary/3-replica
 * cluster of its own ({@link RedisCluster}: six {@code redis-server --cluster-enabled yes} on loopback, no persistence,
 * torn down at the end), the L2 hit ({@link ClusterL2HitBenchmark}) and the uncontended lock acquire + release ({@link
 * ClusterLockBenchmark}), Ballast against Redisson in cluster mode, one fresh JMH fork per subject per trial, and the
 * cache stampede across 4 JVMs ({@link StampedeHarness}, Ballast on the cluster against Caffeine alone), order
 * alternating, paired ratios.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.cluster.ClusterSuite <chartDir>
 * <chartPrefix> [trials=5] [parts=l2,lock,stampede]}.
 */
@SuppressWarnings("try") // the cluster is closed by the shutdown hook as well as by the try
public final class ClusterSuite {

    private ClusterSuite() {}

    public static void main(String[] args) throws Exception {
        Path charts = Path.of(args[0]);
        String prefix = args[1];
        int trials = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<String> parts = List.of((args.length > 3 ? args[3] : "l2,lock,stampede").split(","));
        Machine.describe(false, false);
        try (RedisCluster cluster = RedisCluster.create()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    cluster.close();
                } catch (IOException e) {
                    // the JVM is going down; the nodes die with their temporary directory's owner anyway
                }
            }));
            cluster.startNow();
            String seeds = String.join(",", cluster.uris());
            System.out.println("redis cluster: " + redisVersion() + ", 3 primaries + 3 replicas (--cluster-replicas 1)"
                    + " on loopback, on the same machine as the client, no persistence (save \"\", appendonly no),"
                    + " cluster-node-timeout " + RedisCluster.NODE_TIMEOUT_MILLIS + " ms; primaries on ports "
                    + cluster.primaryPorts());
            System.out.println("clients: lettuce " + version("io.lettuce", "lettuce-core") + " (Ballast), redisson "
                    + version("org.redisson", "redisson")
                    + "; both read and write on primaries only, topology refresh: Lettuce adaptive triggers,"
                    + " Redisson its default 1 s scan");
            System.out.println();
            Report report = new Report(charts, prefix);
            Jmh.Settings settings = new Jmh.Settings(2, 1, 3, 2, false);
            Map<String, String> params = Map.of("seeds", seeds);
            System.out.println("JMH per subject per trial: 1 fork, 1 thread, 2 x 1 s warm-up, 3 x 2 s measurement,"
                    + " sample time (µs)");

            if (parts.contains("l2")) {
                l2(report, trials, settings, params);
            }
            if (parts.contains("lock")) {
                lock(report, trials, settings, params);
            }
            if (parts.contains("stampede")) {
                stampede(report, trials, cluster.primaryPorts().getFirst());
            }
            report.summary();
        }
    }

    private static void l2(Report report, int trials, Jmh.Settings settings, Map<String, String> params)
            throws Exception {
        Results l2 = PairedTrials.run(
                "cluster L2 hit (48 entries over 3 shards)",
                List.of("lettuce", "ballast", "redisson"),
                trials,
                0,
                (subject, trial) -> Jmh.run(ClusterL2HitBenchmark.class, "hit", subject, settings, params));
        for (String metric : List.of("score", "p50", "p99")) {
            report.table(l2, metric, "µs (score = mean)", "redisson");
        }
        report.chart("l2-hit", "L2 hit on a 3+3 Redis Cluster (1 thread)", "µs", l2, List.of("p50", "score", "p99"));
        report.claim(l2.claim(
                "cluster L2 hit mean: ballast <= 1.0x redisson", "ballast", "redisson", "score", r -> r <= 1.0));
        report.claim(
                l2.claim("cluster L2 hit p99: ballast <= 1.0x redisson", "ballast", "redisson", "p99", r -> r <= 1.0));
    }

    private static void lock(Report report, int trials, Jmh.Settings settings, Map<String, String> params)
            throws Exception {
        Results lock = PairedTrials.run(
                "cluster lock acquire+release (48 keys over 3 shards)",
                List.of("ballast", "redisson"),
                trials,
                0,
                (subject, trial) ->
                        Jmh.run(ClusterLockBenchmark.class, "acquireAndRelease", subject, settings, params));
        for (String metric : List.of("score", "p50", "p99")) {
            report.table(lock, metric, "µs (score = mean)", "redisson");
        }
        report.chart(
                "lock",
                "Uncontended lock acquire + release on a 3+3 Redis Cluster",
                "µs",
                lock,
                List.of("p50", "score", "p99"));
        report.claim(lock.claim(
                "cluster lock mean: ballast <= 1.0x redisson", "ballast", "redisson", "score", r -> r <= 1.0));
        report.claim(
                lock.claim("cluster lock p99: ballast <= 1.0x redisson", "ballast", "redisson", "p99", r -> r <= 1.0));
    }

    /**
     * The cache suite's stampede on the cluster: 4 instances in 4 child JVMs x 250 concurrent requests for one missing
     * key, loader 50 ms; Ballast on the cluster against Caffeine alone (no coordination: one load per JVM).
     */
    private static void stampede(Report report, int trials, int seedPort) throws Exception {
        int stampedes = 20;
        System.out.println();
        System.out.printf(
                "stampede on the cluster: 4 instances in 4 child JVMs (-Xms256m -Xmx256m -Xmn128m) x 250 concurrent requests,"
                        + " loader 50 ms, 10 warm-up + %d measured stampedes per subject per trial; Ballast's client"
                        + " seeded with the node on port %d%n",
                stampedes, seedPort);
        Results stampede = PairedTrials.run(
                "cluster stampede (4 JVMs x 250)", List.of("ballast-cluster", "caffeine"), trials, 0, (subject, t) -> {
                    StampedeHarness.Row row = StampedeHarness.run(subject, true, stampedes, 4, 250, seedPort);
                    double[] calls = Arrays.stream(row.calls()).asDoubleStream().toArray();
                    return Map.of(
                            "p50", row.p(0.50),
                            "p99", row.p(0.99),
                            "max", row.p(1.0),
                            "loads per stampede (max)", Stats.max(calls),
                            "stampedes with exactly 1 load (%)", 100.0 * row.exactlyOne() / row.calls().length);
                });
        for (String metric : List.of("p50", "p99", "max")) {
            report.table(stampede, metric, "ms", "caffeine");
        }
        report.table(stampede, "loads per stampede (max)", "loader calls across the 4 JVMs", "caffeine");
        report.table(stampede, "stampedes with exactly 1 load (%)", "%", "caffeine");
        report.chart(
                "stampede",
                "Stampede on a 3+3 Redis Cluster, 4 JVMs x 250 requests",
                "ms",
                stampede,
                List.of("p50", "p99", "max"));
        double[] exactlyOne = stampede.values("ballast-cluster", "stampedes with exactly 1 load (%)");
        long full = Arrays.stream(exactlyOne).filter(v -> v == 100.0).count();
        System.out.printf(
                "CLAIM cluster stampede: exactly 1 load in every stampede: in %d of %d trials%n",
                full, exactlyOne.length);
        report.claim(stampede.claim(
                "cluster stampede p99: ballast <= caffeine alone",
                "ballast-cluster",
                "caffeine",
                "p99",
                r -> r <= 1.0));
    }

    private static String redisVersion() {
        try {
            Process process = new ProcessBuilder("redis-server", "--version")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor(5, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "redis-server ?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "redis-server ?";
        }
    }

    private static String version(String group, String artifact) {
        String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = ClusterSuite.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "?";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "?");
        } catch (IOException e) {
            return "?";
        }
    }
}
