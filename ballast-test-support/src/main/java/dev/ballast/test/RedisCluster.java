package dev.ballast.test;

import static dev.ballast.test.RedisProcesses.awaitCondition;
import static dev.ballast.test.RedisProcesses.cli;
import static dev.ballast.test.RedisProcesses.kill;
import static dev.ballast.test.RedisProcesses.replicationOffsets;
import static dev.ballast.test.RedisProcesses.run;
import static dev.ballast.test.RedisProcesses.signal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
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
 */
public final class RedisCluster implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /** {@code cluster-node-timeout}: how long a silent node takes to be declared failed. */
    public static final int NODE_TIMEOUT_MILLIS = 1_000;

    private static final int NODES = 6;
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final long FAILOVER_TIMEOUT_MILLIS = 30_000;

    private final Map<Integer, Process> nodes = new LinkedHashMap<>();
    private final List<Integer> paused = new ArrayList<>();
    private final Map<Integer, List<Integer>> primariesBeforeKill = new LinkedHashMap<>();
    private final int nodeTimeoutMillis;
    private @Nullable Path directory;

    private RedisCluster(int nodeTimeoutMillis) {
        this.nodeTimeoutMillis = nodeTimeoutMillis;
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
        directory = Files.createTempDirectory("ballast-redis-cluster-");
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int port = freePort();
            nodes.put(port, launch(port));
            addresses.add("127.0.0.1:" + port);
        }
        for (int port : nodes.keySet()) {
            awaitCondition(START_TIMEOUT_MILLIS, "redis-server on port " + port + " answers", () -> answers(port));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        create.addAll(addresses);
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        run(START_TIMEOUT_MILLIS, create.toArray(String[]::new));
        awaitCondition(START_TIMEOUT_MILLIS, "every node reports cluster_state:ok and sees 3 primaries", () -> {
            for (int port : livePorts()) {
                if (!clusterOk(port) || primaries(port).size() != 3) {
                    return false;
                }
            }
            return true;
        });
    }

    /** {@code redis://127.0.0.1:<port>} of every node that is running, primaries and replicas: seeds for a client. */
    public List<String> uris() {
        return livePorts().stream().map(port -> "redis://127.0.0.1:" + port).toList();
    }

    /** The ports of the running primaries, in port order. */
    public List<Integer> primaryPorts() throws IOException {
        return primaries(livePorts().getFirst()).keySet().stream().sorted().toList();
    }

    /** The port of the primary that serves {@code key}'s hash slot now. */
    public int primaryPortOf(String key) throws IOException {
        int any = livePorts().getFirst();
        int slot = Integer.parseInt(cli(any, "CLUSTER", "KEYSLOT", key).trim());
        for (String line : cli(any, "CLUSTER", "NODES").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                String[] range = f[i].split("-");
                if (range[0].startsWith("[")) {
                    continue; // a slot being migrated
                }
                int from = Integer.parseInt(range[0]);
                int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return port(f[1]);
                }
            }
        }
        throw new IOException("no primary serves slot " + slot + " of '" + key + "'");
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
        int any = livePorts().getFirst();
        String primaryId = null;
        String[] lines = cli(any, "CLUSTER", "NODES").split("\n");
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length >= 8 && port(f[1]) == primaryPort) {
                primaryId = f[0];
            }
        }
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length >= 8 && f[2].contains("slave") && f[3].equals(primaryId)) {
                int replica = port(f[1]);
                signal(Objects.requireNonNull(nodes.get(replica), "a node of this cluster"), "STOP");
                paused.add(replica);
                cli(primaryPort, "CLIENT", "KILL", "TYPE", "replica");
                return replica;
            }
        }
        throw new IOException("no replica of the primary on port " + primaryPort);
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
        Process process = nodes.get(port);
        if (process == null || !process.isAlive()) {
            throw new IllegalArgumentException("no running node on port " + port);
        }
        List<Integer> before = primaryPorts();
        if (!before.contains(port)) {
            throw new IllegalArgumentException("node on port " + port + " is not a primary");
        }
        kill(process);
        resumePaused();
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
                FAILOVER_TIMEOUT_MILLIS + nodeTimeoutMillis, "a replica replaced the primary on port " + port, () -> {
                    for (int live : livePorts()) {
                        Map<Integer, Boolean> primaries = primaries(live);
                        if (!clusterOk(live) || primaries.size() != 3 || primaries.containsKey(port)) {
                            return false;
                        }
                    }
                    return true;
                });
        List<Integer> after = new ArrayList<>(primaryPorts());
        after.removeAll(before);
        return after.getFirst();
    }

    /**
     * Starts the node on {@code port} again, killed earlier, with its cluster configuration: it rejoins as a replica of
     * the primary that replaced it. Waits until it answers and every node reports {@code cluster_state:ok}.
     */
    public void restart(int port) throws IOException {
        Process process = nodes.get(port);
        if (process == null || process.isAlive()) {
            throw new IllegalArgumentException("no killed node on port " + port);
        }
        nodes.put(port, launch(port));
        awaitCondition(START_TIMEOUT_MILLIS, "redis-server on port " + port + " answers", () -> answers(port));
        awaitCondition(START_TIMEOUT_MILLIS, "every node reports cluster_state:ok after the restart", () -> {
            for (int live : livePorts()) {
                if (!clusterOk(live) || primaries(live).size() != 3) {
                    return false;
                }
            }
            return true;
        });
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
        resumePaused();
        for (Process process : nodes.values()) {
            if (process.isAlive()) {
                kill(process);
            }
        }
        nodes.clear();
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
            directory = null;
        }
    }

    private List<Integer> livePorts() {
        return nodes.entrySet().stream()
                .filter(e -> e.getValue().isAlive())
                .map(Map.Entry::getKey)
                .toList();
    }

    private Process launch(int port) throws IOException {
        Path dir = Files.createDirectories(
                Objects.requireNonNull(directory, "started").resolve(Integer.toString(port)));
        return new ProcessBuilder(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        dir.resolve("nodes.conf").toString(),
                        "--cluster-node-timeout",
                        Integer.toString(nodeTimeoutMillis),
                        "--cluster-replica-validity-factor",
                        "0",
                        "--dir",
                        dir.toString(),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                        "--logfile",
                        dir.resolve("redis.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** Primary port → whether it has slots, as {@code port}'s node sees them (failed ones excluded). */
    private Map<Integer, Boolean> primaries(int port) throws IOException {
        Map<Integer, Boolean> primaries = new LinkedHashMap<>();
        for (String line : cli(port, "CLUSTER", "NODES").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length >= 8 && f[2].contains("master") && !f[2].contains("fail")) {
                primaries.put(port(f[1]), f.length > 8);
            }
        }
        return primaries;
    }

    private boolean clusterOk(int port) throws IOException {
        return cli(port, "CLUSTER", "INFO").contains("cluster_state:ok");
    }

    private boolean answers(int port) {
        try {
            return cli(port, "PING").trim().equals("PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static int port(String address) {
        String hostPort = address.split("@")[0];
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private void resumePaused() throws IOException {
        for (int port : paused) {
            Process process = nodes.get(port);
            if (process != null && process.isAlive()) {
                signal(process, "CONT");
            }
        }
        paused.clear();
    }

    private static int freePort() throws IOException {
        // the cluster bus listens on port + 10000, which must be free too
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (port + 10_000 <= 65_535 && isFree(port + 10_000)) {
                    return port;
                }
            }
        }
        throw new IOException("no free port pair (port, port + 10000) on loopback");
    }

    @SuppressWarnings("try") // the socket is bound only to see that the port is free
    private static boolean isFree(int port) {
        try (ServerSocket ignored = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
