package dev.ballast.test;

import static dev.ballast.test.RedisProcesses.awaitCondition;
import static dev.ballast.test.RedisProcesses.cli;
import static dev.ballast.test.RedisProcesses.kill;
import static dev.ballast.test.RedisProcesses.replicationOffsets;
import static dev.ballast.test.RedisProcesses.signal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis Sentinel setup of the test's own: one primary, one replica and three Sentinels ({@code redis-server
 * sentinel.conf --sentinel}; there is no separate {@code redis-sentinel} binary here), all on free loopback ports in a
 * temporary directory, without persistence, monitoring the primary as {@value #MASTER_NAME} with a quorum of two.
 * Register it as a JUnit 5 extension ({@code @RegisterExtension static RedisSentinel sentinel =
 * RedisSentinel.create();}): it starts before the class's tests and is torn down after them. A test may cut the replica
 * off, kill the primary and wait until the Sentinels have promoted the replica. Every wait is bounded. Never touches
 * the machine's shared Redis.
 *
 * <p>{@code down-after-milliseconds} is {@value #DOWN_AFTER_MILLIS}, so a killed primary is replaced within a few
 * seconds. Not thread-safe: drive it from the test thread.
 */
public final class RedisSentinel implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /** The name the Sentinels know the primary by: the fragment of a Lettuce Sentinel URI. */
    public static final String MASTER_NAME = "ballast";

    /** {@code sentinel down-after-milliseconds}: how long a silent primary takes to be considered down. */
    public static final int DOWN_AFTER_MILLIS = 1_000;

    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final long FAILOVER_TIMEOUT_MILLIS = 30_000;

    private final Map<Integer, Process> servers = new LinkedHashMap<>();
    private final Map<Integer, Process> sentinels = new LinkedHashMap<>();
    private final List<Integer> paused = new ArrayList<>();
    private @Nullable Path directory;
    private int primary;

    private RedisSentinel() {}

    /** A setup that is started by {@link #beforeAll} or {@link #startNow()}. */
    public static RedisSentinel create() {
        return new RedisSentinel();
    }

    /**
     * Starts the primary, the replica and the Sentinels, and waits until the replica is in sync and every Sentinel
     * knows the primary, the replica and the two other Sentinels.
     */
    public RedisSentinel startNow() throws IOException {
        try {
            start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    private void start() throws IOException {
        directory = Files.createTempDirectory("ballast-redis-sentinel-");
        primary = freePort();
        servers.put(primary, launchServer(primary, null));
        int replica = freePort();
        servers.put(replica, launchServer(replica, primary));
        for (int i = 0; i < 3; i++) {
            int port = freePort();
            sentinels.put(port, launchSentinel(port));
        }
        for (int port : ports()) {
            awaitCondition(START_TIMEOUT_MILLIS, "redis-server on port " + port + " answers", () -> answers(port));
        }
        awaitCondition(START_TIMEOUT_MILLIS, "the replica on port " + replica + " is in sync", () -> cli(
                        replica, "INFO", "replication")
                .contains("master_link_status:up"));
        try {
            awaitCondition(START_TIMEOUT_MILLIS, "every Sentinel knows the replica and two other Sentinels", () -> {
                for (int sentinel : sentinels.keySet()) {
                    String replicas = cli(sentinel, "SENTINEL", "REPLICAS", MASTER_NAME);
                    String others = cli(sentinel, "SENTINEL", "SENTINELS", MASTER_NAME);
                    if (!replicas.contains(Integer.toString(replica)) || count(others, "runid") < 2) {
                        return false;
                    }
                }
                return true;
            });
        } catch (IOException e) {
            throw new IOException(e.getMessage() + sentinelDiagnostics(), e);
        }
    }

    /**
     * A Lettuce Sentinel URI: {@code redis-sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,127.0.0.1:<s3>#ballast}, for a
     * standalone {@code RedisClient} that asks the Sentinels for the primary on every (re)connect.
     */
    public String uri() {
        return "redis-sentinel://"
                + sentinels.keySet().stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","))
                + "#" + MASTER_NAME;
    }

    /** The Sentinels' ports, for configuration that lists them ({@code spring.data.redis.sentinel.nodes}). */
    public List<Integer> sentinelPorts() {
        return List.copyOf(sentinels.keySet());
    }

    /** The port of the current primary (changes with {@link #killPrimaryAndAwaitPromotion}). */
    public int primaryPort() {
        return primary;
    }

    /**
     * Waits until the replica has acknowledged all the primary's writes so far ({@code INFO replication}: its offset
     * has reached the {@code master_repl_offset} read at the call; Sentinels' hello messages keep the offset moving).
     */
    public void awaitReplicaInSync() throws IOException {
        long target = replicationOffsets(primary).getFirst();
        awaitCondition(START_TIMEOUT_MILLIS, "the replica caught up with the primary", () -> {
            List<Long> offsets = replicationOffsets(primary);
            return offsets.size() > 1 && offsets.get(1) >= target;
        });
    }

    /**
     * Cuts the replica off: freezes it (SIGSTOP), then makes the primary drop the replication connection ({@code CLIENT
     * KILL TYPE replica}). Writes the primary acknowledges from now on are not replicated, as with replication lag.
     * (Freezing alone is not enough: the kernel would still receive the stream into the frozen process's socket buffer,
     * and the replica would apply it on waking.) {@link #killPrimaryAndAwaitPromotion} resumes it right after killing
     * the primary, so the replica is promoted without those writes.
     */
    public void cutReplicaOff() throws IOException {
        int replica = replicaPort();
        signal(Objects.requireNonNull(servers.get(replica), "a server of this setup"), "STOP");
        paused.add(replica);
        cli(primary, "CLIENT", "KILL", "TYPE", "replica");
    }

    /**
     * Kills the primary with SIGKILL (its writes not yet replicated are lost), resumes a replica cut off by {@link
     * #cutReplicaOff}, and waits until every Sentinel names the replica as the primary and the replica reports {@code
     * role:master}. Returns the new primary's port.
     */
    public int killPrimaryAndAwaitPromotion() throws IOException {
        int old = primary;
        int replica = replicaPort();
        kill(Objects.requireNonNull(servers.get(old), "a server of this setup"));
        resumePaused();
        awaitCondition(FAILOVER_TIMEOUT_MILLIS, "the Sentinels promoted the replica on port " + replica, () -> {
            for (int sentinel : sentinels.keySet()) {
                if (!cli(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
                        .contains(Integer.toString(replica))) {
                    return false;
                }
            }
            return cli(replica, "INFO", "replication").contains("role:master");
        });
        primary = replica;
        return replica;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        startNow();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
    }

    /** Kills every process and deletes the directory. */
    @Override
    public void close() throws IOException {
        resumePaused();
        for (Process process : Stream.concat(sentinels.values().stream(), servers.values().stream())
                .toList()) {
            if (process.isAlive()) {
                kill(process);
            }
        }
        sentinels.clear();
        servers.clear();
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
            directory = null;
        }
    }

    private int replicaPort() {
        return servers.entrySet().stream()
                .filter(e -> e.getKey() != primary && e.getValue().isAlive())
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no live replica"));
    }

    private List<Integer> ports() {
        return Stream.concat(servers.keySet().stream(), sentinels.keySet().stream())
                .toList();
    }

    private Process launchServer(int port, @Nullable Integer primaryPort) throws IOException {
        Path dir = Files.createDirectories(
                Objects.requireNonNull(directory, "started").resolve(Integer.toString(port)));
        return primaryPort == null
                ? RedisProcesses.startServer(port, dir)
                : RedisProcesses.startServer(port, dir, "--replicaof", "127.0.0.1", Integer.toString(primaryPort));
    }

    private Process launchSentinel(int port) throws IOException {
        Path dir = Files.createDirectories(
                Objects.requireNonNull(directory, "started").resolve("sentinel-" + port));
        Path config = dir.resolve("sentinel.conf");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "daemonize no",
                        "dir " + dir,
                        "logfile " + dir.resolve("sentinel.log"),
                        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary + " 2",
                        "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS,
                        "sentinel failover-timeout " + MASTER_NAME + " 10000",
                        "sentinel parallel-syncs " + MASTER_NAME + " 1",
                        ""));
        return start(List.of("redis-server", config.toString(), "--sentinel"));
    }

    private static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private void resumePaused() throws IOException {
        for (int port : paused) {
            Process process = servers.get(port);
            if (process != null && process.isAlive()) {
                signal(process, "CONT");
            }
        }
        paused.clear();
    }

    private static boolean answers(int port) {
        try {
            return cli(port, "PING").trim().equals("PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static int count(String text, String word) {
        int count = 0;
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            count++;
        }
        return count;
    }

    /**
     * A port free now and not handed to another process of this setup: the kernel may hand a just-closed ephemeral port
     * out again before the process it was picked for has bound it, and two of the five would then collide.
     */
    private int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            if (!servers.containsKey(port) && !sentinels.containsKey(port)) {
                return port;
            }
        }
        throw new IOException("no free port distinct from this setup's after 20 attempts");
    }

    /** Each Sentinel's state and the last lines of its log, for a start-up that did not converge. */
    private String sentinelDiagnostics() {
        StringBuilder report = new StringBuilder();
        for (Map.Entry<Integer, Process> sentinel : sentinels.entrySet()) {
            report.append(System.lineSeparator())
                    .append("Sentinel ")
                    .append(sentinel.getKey())
                    .append(sentinel.getValue().isAlive() ? " (running)" : " (exited)")
                    .append(", last log lines:");
            Path log = Objects.requireNonNull(directory, "started")
                    .resolve("sentinel-" + sentinel.getKey())
                    .resolve("sentinel.log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of("(no log)");
                for (String line : lines.subList(Math.max(0, lines.size() - 8), lines.size())) {
                    report.append(System.lineSeparator()).append("  ").append(line);
                }
            } catch (IOException e) {
                report.append(" (unreadable: ").append(e.getMessage()).append(')');
            }
        }
        return report.toString();
    }
}
