package dev.ballast.test;

import static dev.ballast.test.RedisProcesses.awaitCondition;
import static dev.ballast.test.RedisProcesses.cli;
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
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The redis-server processes of one {@link RedisCluster}: launching a node on a free port pair (client port and
 * cluster bus port + 10000) in the cluster's temporary directory, freezing, resuming and killing nodes, and the
 * clean-up. Used only by {@link RedisCluster}, from the test thread. Guards that every process it launched is killed,
 * a frozen one resumed first, and the directory deleted on {@link #close()}.
 */
final class RedisClusterNodes implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 30_000;

    private final Map<Integer, Process> nodes = new LinkedHashMap<>();
    private final List<Integer> paused = new ArrayList<>();
    private final int nodeTimeoutMillis;
    private @Nullable Path directory;

    RedisClusterNodes(int nodeTimeoutMillis) {
        this.nodeTimeoutMillis = nodeTimeoutMillis;
    }

    /** Launches {@code count} nodes on free ports and waits until each answers PING; returns their ports. */
    List<Integer> launchAll(int count) throws IOException {
        directory = Files.createTempDirectory("ballast-redis-cluster-");
        for (int i = 0; i < count; i++) {
            int port = freePort();
            nodes.put(port, launch(port));
        }
        for (int port : nodes.keySet()) {
            awaitAnswers(port);
        }
        return List.copyOf(nodes.keySet());
    }

    /** Launches the killed node on {@code port} again, with its cluster configuration, and waits until it answers. */
    void relaunch(int port) throws IOException {
        Process process = nodes.get(port);
        if (process == null || process.isAlive()) {
            throw new IllegalArgumentException("no killed node on port " + port);
        }
        nodes.put(port, launch(port));
        awaitAnswers(port);
    }

    /** The ports of the nodes that are running, in start order. */
    List<Integer> livePorts() {
        return nodes.entrySet().stream()
                .filter(e -> e.getValue().isAlive())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Freezes the node on {@code port} (SIGSTOP) until {@link #resumePaused()}. */
    void pause(int port) throws IOException {
        signal(running(port), "STOP");
        paused.add(port);
    }

    /** Kills the node on {@code port} with SIGKILL and waits until it has exited. */
    void killNode(int port) throws IOException {
        RedisProcesses.kill(running(port));
    }

    /** Resumes (SIGCONT) every node {@link #pause}d and still alive. */
    void resumePaused() throws IOException {
        for (int port : paused) {
            Process process = nodes.get(port);
            if (process != null && process.isAlive()) {
                signal(process, "CONT");
            }
        }
        paused.clear();
    }

    /** Kills every node and deletes the directory. */
    @Override
    public void close() throws IOException {
        resumePaused();
        for (Process process : nodes.values()) {
            if (process.isAlive()) {
                RedisProcesses.kill(process);
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

    private Process running(int port) {
        Process process = nodes.get(port);
        if (process == null || !process.isAlive()) {
            throw new IllegalArgumentException("no running node on port " + port);
        }
        return process;
    }

    private void awaitAnswers(int port) throws IOException {
        awaitCondition(START_TIMEOUT_MILLIS, "redis-server on port " + port + " answers", () -> answers(port));
    }

    private Process launch(int port) throws IOException {
        Path dir = Files.createDirectories(
                Objects.requireNonNull(directory, "started").resolve(Integer.toString(port)));
        return RedisProcesses.startServer(
                port,
                dir,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                dir.resolve("nodes.conf").toString(),
                "--cluster-node-timeout",
                Integer.toString(nodeTimeoutMillis),
                "--cluster-replica-validity-factor",
                "0");
    }

    private static boolean answers(int port) {
        try {
            return cli(port, "PING").trim().equals("PONG");
        } catch (IOException e) {
            return false;
        }
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
