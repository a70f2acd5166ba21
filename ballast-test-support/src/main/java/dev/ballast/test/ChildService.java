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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Spring Boot service jar run as an operator runs it: {@code java -jar <jar>} in a child JVM on a free loopback port
 * ({@code SERVER_PORT}), configured only through environment variables, its output in {@code <directory>/out.log}. Tests
 * talk to it over HTTP, stop it with SIGTERM, and crash, freeze and thaw it with {@link UnixSignal}s. Not thread-safe
 * for starting and stopping; {@link #get}, {@link #post} and {@link #metric} may be called from any thread.
 */
@SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
public final class ChildService implements AutoCloseable {

    private static final Duration HEALTHY_TIMEOUT = Duration.ofMinutes(2);

    private final String name;
    private final String host;
    private final int port;
    private final Process process;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ChildService(String name, String host, int port, Process process, Path log) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code jar} (not waiting for it) in {@code directory} (created; named for the instance), with a small heap
     * and {@code environment} on top of {@code SERVER_PORT}.
     */
    public static ChildService start(Path jar, Path directory, Map<String, String> environment) throws IOException {
        return start(jar, directory, environment, List.of());
    }

    /** As {@link #start(Path, Path, Map)}, with {@code jvmOptions} added to the small-heap defaults. */
    public static ChildService start(Path jar, Path directory, Map<String, String> environment, List<String> jvmOptions)
            throws IOException {
        return start(jar, directory, environment, jvmOptions, null);
    }

    /**
     * As {@link #start(Path, Path, Map, List)}, the JVM in {@code namespace} (through {@code ip netns exec}, which
     * execs it: {@link #pid()} is the JVM's), reached at the namespace's address instead of 127.0.0.1.
     */
    public static ChildService startIn(
            NetworkNamespace namespace,
            Path jar,
            Path directory,
            Map<String, String> environment,
            List<String> jvmOptions)
            throws IOException {
        return start(jar, directory, environment, jvmOptions, namespace);
    }

    private static ChildService start(
            Path jar,
            Path directory,
            Map<String, String> environment,
            List<String> jvmOptions,
            @Nullable NetworkNamespace namespace)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run `mvn verify`, which packages it");
        }
        int port = freePort();
        Path dir = directory.toAbsolutePath();
        Files.createDirectories(dir);
        Path log = dir.resolve("out.log");
        List<String> command = new ArrayList<>();
        if (namespace != null) {
            command.addAll(namespace.execPrefix());
        }
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        builder.environment().putAll(environment);
        String host = namespace != null ? namespace.namespaceAddress().getHostAddress() : "127.0.0.1";
        return new ChildService(dir.getFileName().toString(), host, port, builder.start(), log);
    }

    /** Waits (at most 120 s) until {@code /actuator/health} answers UP; fails with the log's tail if the JVM exits. */
    public ChildService awaitHealthy() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + HEALTHY_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail(60));
            }
            try {
                HttpResponse<String> health = get("/actuator/health");
                if (health.statusCode() == 200 && health.body().contains("\"UP\"")) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(name + " not healthy within " + HEALTHY_TIMEOUT + ":\n" + logTail(60));
            }
            Thread.sleep(250);
        }
    }

    /** Waits (bounded) for the JVM to exit on its own, e.g. after a failed start; returns its exit code. */
    public int awaitExit(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still running after " + within + ":\n" + logTail(40));
        }
        return process.exitValue();
    }

    /** {@code http://<host>:<port><path>}: 127.0.0.1, or the namespace's address ({@link #startIn}). */
    public URI uri(String path) {
        return URI.create("http://" + host + ":" + port + path);
    }

    /** The instance's HTTP port on {@link #uri}'s host. */
    public int port() {
        return port;
    }

    /** The JVM's process id. */
    public long pid() {
        return process.pid();
    }

    /** The instance's name: its directory's. */
    public String name() {
        return name;
    }

    /** Whether the JVM is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** GET {@code path}, at most 30 s. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** POST {@code json} to {@code path} with {@code headers}, at most 30 s. */
    public HttpResponse<String> post(String path, String json, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The sum of the Prometheus samples whose line matches {@code pattern} (name and labels), 0 if absent. */
    public double metric(String pattern) throws IOException, InterruptedException {
        Matcher matcher = Pattern.compile("(?m)^" + pattern + " (?<value>[0-9.eE+-]+)$")
                .matcher(get("/actuator/prometheus").body());
        double sum = 0;
        while (matcher.find()) {
            sum += Double.parseDouble(matcher.group("value"));
        }
        return sum;
    }

    /** The whole output so far. */
    public String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** The last {@code lines} lines of the output. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Sends {@code signal} to the JVM. */
    public void signal(UnixSignal signal) throws IOException {
        signal.send(process.pid());
    }

    /** SIGKILL, as an OOM killer or a lost machine; waits (at most 10 s) for the exit. */
    public void kill() throws IOException, InterruptedException {
        signal(UnixSignal.CONT);
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not exit after SIGKILL");
        }
    }

    /** SIGTERM, as an orchestrator stops a container; waits (bounded) for the exit and returns its code. */
    public int terminate(Duration within) throws InterruptedException {
        process.destroy(); // SIGTERM on Linux
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            dumpThreads();
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not exit within " + within + " of SIGTERM (its threads are"
                    + " in " + log + "):\n" + logTail(40));
        }
        return process.exitValue();
    }

    /**
     * Stops the JVM if it runs: thawed, SIGTERM, SIGKILL after 30 s; a JVM still running then first prints its threads
     * into its log (SIGQUIT), so what held it (a request that never ended, a stuck shutdown hook) can be read there.
     */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                signal(UnixSignal.CONT);
            } catch (IOException exitedMeanwhile) {
                // nothing to thaw
            }
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                dumpThreads();
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGQUIT: the JVM writes every thread's stack to its output (this service's log); waits 2 s for it. */
    private void dumpThreads() throws InterruptedException {
        try {
            signal(UnixSignal.QUIT);
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException exitedMeanwhile) {
            // nothing to dump
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
