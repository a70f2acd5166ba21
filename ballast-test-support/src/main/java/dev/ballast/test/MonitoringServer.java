package dev.ballast.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Prometheus or Alertmanager of the test's own, from the Debian packages {@code prometheus} and {@code
 * prometheus-alertmanager}: a free loopback port, configuration and data in a temporary directory, stopped on {@link
 * #close()}. Not thread-safe: drive it from the test thread.
 */
public final class MonitoringServer implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path dir;

    private MonitoringServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts Prometheus with {@code config} (YAML text) and waits until it is ready (at most 30 s). */
    public static MonitoringServer prometheus(String config) throws IOException, InterruptedException {
        DebianTool prometheus = DebianTool.require("prometheus", "prometheus");
        Path dir = Files.createTempDirectory("ballast-prometheus-");
        Files.writeString(dir.resolve("prometheus.yml"), config);
        int port = freePort();
        return start(
                dir,
                port,
                List.of(
                        prometheus.binary().toString(),
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port));
    }

    /** Starts Alertmanager with {@code config} (YAML text), clustering off, and waits until it is ready. */
    public static MonitoringServer alertmanager(String config) throws IOException, InterruptedException {
        DebianTool alertmanager = DebianTool.require("prometheus-alertmanager", "prometheus-alertmanager");
        Path dir = Files.createTempDirectory("ballast-alertmanager-");
        Files.writeString(dir.resolve("alertmanager.yml"), config);
        int port = freePort();
        return start(
                dir,
                port,
                List.of(
                        alertmanager.binary().toString(),
                        "--config.file=" + dir.resolve("alertmanager.yml"),
                        "--storage.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--cluster.listen-address="));
    }

    private static MonitoringServer start(Path dir, int port, List<String> command)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(command))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile())
                .start();
        MonitoringServer server = new MonitoringServer(process, port, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(command.get(0) + " exited: " + server.log());
            }
            try {
                if (server.get("/-/ready").statusCode() == 200) {
                    return server;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        server.close();
        throw new AssertionError(command.get(0) + " not ready within 30 s: " + server.log());
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The server's port. */
    public int port() {
        return port;
    }

    /** A GET of {@code pathAndQuery} with a 10 s timeout. */
    public HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** What the server printed so far. */
    public String log() {
        try {
            return Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A port free on 127.0.0.1 now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
