package dev.ballast.example.brokerage.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
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

/**
 * One instance of the example as an operator runs it: {@code java -jar target/brokerage-service.jar} in a child JVM,
 * configured only through environment variables, with its log in {@code target/cluster/<name>/out.log}.
 */
final class ExampleInstance implements AutoCloseable {

    static final Path JAR = Path.of("target", "brokerage-service.jar");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ExampleInstance(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts the jar (not waiting for it) with {@code environment} on top of PORT and a small heap. */
    static ExampleInstance start(String name, Map<String, String> environment) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run `mvn verify`, which packages it");
        }
        int port = freePort();
        Path directory = Path.of("target", "cluster", name).toAbsolutePath();
        Files.createDirectories(directory);
        Path log = directory.resolve("out.log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().putAll(environment);
        return new ExampleInstance(name, port, builder.start(), log);
    }

    /** Waits (bounded) until {@code /actuator/health} answers UP; fails with the log's tail if the JVM exits. */
    ExampleInstance awaitHealthy() {
        await("instance " + name + " healthy")
                .atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(
                                name + " exited with " + process.exitValue() + ":\n" + logTail(60));
                    }
                    try {
                        HttpResponse<String> health = get("/actuator/health");
                        return health.statusCode() == 200 && health.body().contains("\"UP\"");
                    } catch (IOException notYet) {
                        return false;
                    }
                });
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one Prometheus sample whose line matches {@code pattern} (name and labels), 0 if absent. */
    double metric(String pattern) throws IOException, InterruptedException {
        Matcher matcher = Pattern.compile("(?m)^" + pattern + " (?<value>[0-9.eE+-]+)$")
                .matcher(get("/actuator/prometheus").body());
        double sum = 0;
        while (matcher.find()) {
            sum += Double.parseDouble(matcher.group("value"));
        }
        return sum;
    }

    String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, as an orchestrator stops a container; waits (bounded) for the exit and returns its code. */
    int terminate(Duration within) throws InterruptedException {
        process.destroy(); // SIGTERM on Linux
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not exit within " + within + " of SIGTERM:\n" + logTail(40));
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
