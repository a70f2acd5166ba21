package dev.ballast.test;

import static dev.ballast.test.RedisProcesses.awaitCondition;
import static dev.ballast.test.RedisProcesses.cli;
import static dev.ballast.test.RedisProcesses.replicationOffsets;
import static dev.ballast.test.RedisProcesses.run;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis Cluster of the test's own: three primaries and three replicas ({@code redis-server --cluster-enabled yes} on
 * six free loopback ports, in a temporary directory, no persistence), joined with {@code redis-cli --cluster create …
 * --cluster-replicas 1}. Register it as a JUnit 5 extension ({@code @RegisterExtension static RedisCluster cluster =
 * RedisCluster.create();}): it starts before the class's tests and is torn down after them. A test may kill a primary
 * and wait until its replica has been promoted. Every wait is bounded. Never touches the machine's shared Redis.
 *
 * <p>The node timeout is {@value #NODE_TIMEOUT_MILLIS} ms unless {@link #create(Duration)} sets another, so a killed
 * primary is replaced within a few seconds. A longer one keeps a killed primary's slots unserved while the other
 * primaries answer, as a production cluster (default 15 s) does before its failover; {@link #killPrimary}, {@link
 * #awaitPromotion} and {@link #restart} drive that step by step. Not thread-safe: drive it from the test thread.
 *
 * <p>Used by the cluster ITs of the cache and lock modules, the test kit's contract runs and the cluster benchmark.
 * This type holds the failover operations and the bookkeeping between them (which primaries there were before a kill);
 * the processes are {@link RedisClusterNodes}', the reading of the topology {@link RedisClusterTopology}'s.
 */
public final class RedisCluster implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /** {@code cluster-node-timeout}: how long a silent node takes to be declared failed. */
    public static final int NODE_TIMEOUT_MILLIS = 1_000;

    private static final int NODES = 6;
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final long FAILOVER_TIMEOUT_MILLIS = 30_000;

    private final RedisClusterNodes nodes;
    private final Map<Integer, List<Integer>> primariesBeforeKill = new LinkedHashMap<>();
    private final int nodeTimeoutMillis;

    private RedisCluster(int nodeTimeoutMillis) {
        this.nodeTimeoutMillis = nodeTimeoutMillis;
        this.nodes = new RedisClusterNodes(nodeTimeoutMillis);
    }

    /** A cluster that is started by {@link #beforeAll} or {@link #startNow()}. */
    public static RedisCluster create() {
        return new RedisCluster(NODE_TIMEOUT_MILLIS);
    }

    /**
     * A cluster with {@code cluster-node-timeout} {@code nodeTimeout} (at least 100 ms): a killed primary is declared
     * failed, and its replica promoted, only after it.
     */
    public static RedisCluster create(Duration nodeTimeout) {
        if (nodeTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("nodeTimeout must be at least 100 ms, was " + nodeTimeout);
        }
        return new RedisCluster(Math.toIntExact(nodeTimeout.toMillis()));
    }

    /** Starts six nodes, creates the cluster and waits until every node reports {@code cluster_state:ok}. */
    public RedisCluster startNow() throws IOException {
        try {
            start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    private void start() throws IOException {
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int port : nodes.launchAll(NODES)) {
            create.add("127.0.0.1:" + port);
        }
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        run(START_TIMEOUT_MILLIS, create.toArray(String[]::new));
        awaitCondition(
                START_TIMEOUT_MILLIS,
                "every node reports cluster_state:ok and sees 3 primaries",
                () -> RedisClusterTopology.healthy(nodes.livePorts(), -1));
    }

    /** {@code redis://127.0.0.1:<port>} of every node that is running, primaries and replicas: seeds for a client. */
    public List<String> uris() {
        return nodes.livePorts().stream()
                .map(port -> "redis://127.0.0.1:" + port)
                .toList();
    }

    /** The ports of the running primaries, in port order. */
    public List<Integer> primaryPorts() throws IOException {
        return RedisClusterTopology.primaries(anyLivePort()).keySet().stream()
                .sorted()
                .toList();
    }

    /** The port of the primary that serves {@code key}'s hash slot now. */
    public int primaryPortOf(String key) throws IOException {
        return RedisClusterTopology.primaryPortOf(anyLivePort(), key);
    }

    /**
     * Waits until every replica of the primary on {@code primaryPort} has acknowledged all the primary's writes so far
     * ({@code INFO replication}: each replica's offset has reached the {@code master_repl_offset} read at the call).
     */
    public void awaitReplicasInSync(int primaryPort) throws IOException {
        long target = replicationOffsets(primaryPort).getFirst();
        awaitCondition(START_TIMEOUT_MILLIS, "the replicas of port " + primaryPort + " caught up", () -> {
            List<Long> offsets = replicationOffsets(primaryPort);
            return offsets.size() > 1 && offsets.stream().skip(1).allMatch(offset -> offset >= target);
        });
    }

    /**
     * Cuts the replica of the primary on {@code primaryPort} off: freezes it (SIGSTOP), then makes the primary drop the
     * replication connection ({@code CLIENT KILL TYPE replica}). Writes the primary acknowledges from now on are not
     * replicated, as with replication lag. (Freezing alone is not enough: the kernel would still receive the stream into
     * the frozen process's socket buffer, and the replica would apply it on waking.) {@link
     * #killPrimaryAndAwaitPromotion} resumes it right after killing the primary, so the replica is promoted without
     * those writes. Returns the replica's port.
     */
    public int cutReplicaOff(int primaryPort) throws IOException {
        int replica = RedisClusterTopology.replicaOf(anyLivePort(), primaryPort);
        nodes.pause(replica);
        cli(primaryPort, "CLIENT", "KILL", "TYPE", "replica");
        return replica;
    }

    /**
     * Kills the primary on {@code port} with SIGKILL (its writes not yet replicated are lost), resumes a replica paused
     * by {@link #cutReplicaOff}, and waits until a replica has been promoted: the surviving nodes report {@code
     * cluster_state:ok} with three primaries, none of them the killed one. Returns the port of the promoted replica.
     */
    public int killPrimaryAndAwaitPromotion(int port) throws IOException {
        killPrimary(port);
        return awaitPromotion(port);
    }

    /**
     * Kills the primary on {@code port} with SIGKILL and resumes a replica paused by {@link #cutReplicaOff}, without
     * waiting: its slots are unserved until the node timeout has passed and a replica has been promoted ({@link
     * #awaitPromotion}).
     */
    public void killPrimary(int port) throws IOException {
        if (!nodes.livePorts().contains(port)) {
            throw new IllegalArgumentException("no running node on port " + port);
        }
        List<Integer> before = primaryPorts();
        if (!before.contains(port)) {
            throw new IllegalArgumentException("node on port " + port + " is not a primary");
        }
        nodes.killNode(port);
        nodes.resumePaused();
        primariesBeforeKill.put(port, before);
    }

    /**
     * Waits until a replica replaced the primary killed on {@code port} by {@link #killPrimary}: the surviving nodes
     * report {@code cluster_state:ok} with three primaries, none of them the killed one. Returns the promoted replica's
     * port.
     */
    public int awaitPromotion(int port) throws IOException {
        List<Integer> before = primariesBeforeKill.remove(port);
        if (before == null) {
            throw new IllegalArgumentException("no primary was killed on port " + port);
        }
        awaitCondition(
                FAILOVER_TIMEOUT_MILLIS + nodeTimeoutMillis,
                "a replica replaced the primary on port " + port,
                () -> RedisClusterTopology.healthy(nodes.livePorts(), port));
        List<Integer> after = new ArrayList<>(primaryPorts());
        after.removeAll(before);
        return after.getFirst();
    }

    /**
     * Starts the node on {@code port} again, killed earlier, with its cluster configuration: it rejoins as a replica of
     * the primary that replaced it. Waits until it answers and every node reports {@code cluster_state:ok}.
     */
    public void restart(int port) throws IOException {
        nodes.relaunch(port);
        awaitCondition(
                START_TIMEOUT_MILLIS,
                "every node reports cluster_state:ok after the restart",
                () -> RedisClusterTopology.healthy(nodes.livePorts(), -1));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        startNow();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
    }

    /** Kills every node and deletes the directory. */
    @Override
    public void close() throws IOException {
        nodes.close();
    }

    private int anyLivePort() {
        return nodes.livePorts().getFirst();
    }
}
