package dev.ballast.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.jspecify.annotations.Nullable;

/**
 * The child JVM of one {@link KafkaBroker}: its directory (server properties, logback configuration, log directory,
 * output), launching {@link KafkaBrokerMain} on the broker's ports and waiting until the broker answers an admin
 * request, killing it with SIGKILL, and the clean-up. Used only by {@link KafkaBroker}, from the test thread. Guards
 * that a broker which does not come up is killed and reported with its output, and that the directory outlives a
 * kill (a restart keeps the data) but not {@link #close()}.
 */
final class KafkaBrokerProcess implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 60_000;

    private final int port;
    private final Supplier<Admin> admin;
    private @Nullable Path dir;
    private String clusterId = "";
    private @Nullable Process process;

    KafkaBrokerProcess(int port, Supplier<Admin> admin) {
        this.port = port;
        this.admin = admin;
    }

    /** Whether the directory was written ({@link #prepare} ran and {@link #close()} did not since). */
    boolean prepared() {
        return dir != null;
    }

    /** Creates the directory and writes the broker's configuration: {@code serverProperties} and its logging. */
    void prepare(Map<String, String> serverProperties) throws IOException {
        dir = Files.createTempDirectory("ballast-kafka-");
        clusterId = Uuid.randomUuid().toString();
        Map<String, String> config = new TreeMap<>(serverProperties);
        config.putIfAbsent("log.dirs", dir().resolve("data").toString()); // an override wins, as before the split
        StringBuilder text = new StringBuilder();
        config.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        Files.writeString(dir().resolve("server.properties"), text.toString(), StandardCharsets.UTF_8);
        Files.writeString(
                dir().resolve("logback.xml"), """
                <configuration>
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>%%d{HH:mm:ss.SSS} %%-5level %%logger{30} %%msg%%n</pattern></encoder>
                  </appender>
                  <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
                  <root level="WARN"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(dir().resolve("broker.log")), StandardCharsets.UTF_8);
    }

    /** The running child JVM; fails if it is not running. */
    Process running() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("the Kafka broker is not running");
        }
        return process;
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the child JVM and waits until the broker lists a node, at most {@value #START_TIMEOUT_MILLIS} ms. */
    void launch() throws IOException {
        Path home = dir();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dlogback.configurationFile=" + home.resolve("logback.xml"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(KafkaBrokerMain.class.getName());
        command.add(home.resolve("server.properties").toString());
        command.add(home.resolve("data").toString());
        command.add(clusterId);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        home.resolve("stdout.log").toFile()))
                .start();
        awaitReady(home);
    }

    private void awaitReady(Path home) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        try (Admin client = admin.get()) {
            while (true) {
                Process current = aliveAtStart(home);
                try {
                    if (!client.describeCluster()
                            .nodes()
                            .get(2, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    // not up yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the Kafka broker", e);
                }
                if (System.nanoTime() - deadline > 0) {
                    current.destroyForcibly();
                    throw new IOException("the Kafka broker on port " + port + " was not ready within "
                            + START_TIMEOUT_MILLIS + " ms; see " + home.resolve("stdout.log") + " and "
                            + home.resolve("broker.log"));
                }
                sleep(100);
            }
        }
    }

    /** Kills the child JVM with SIGKILL, as a crash would, and waits until it is gone. Data stays on disk. */
    void kill() throws IOException {
        Process current = process;
        if (current != null && current.isAlive()) {
            Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(current.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                kill.waitFor(5, TimeUnit.SECONDS);
                if (!current.waitFor(15, TimeUnit.SECONDS)) {
                    throw new IOException("Kafka broker " + current.pid() + " did not exit after SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while killing the Kafka broker", e);
            }
        }
    }

    /** Kills the child JVM and deletes the directory. */
    @Override
    public void close() throws IOException {
        kill();
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
            dir = null;
        }
    }

    private Path dir() {
        if (dir == null) {
            throw new IllegalStateException("the Kafka broker was not started");
        }
        return dir;
    }

    private Process aliveAtStart(Path home) throws IOException {
        Process current = process;
        if (current == null || !current.isAlive()) {
            throw new IOException("the Kafka broker exited at start"
                    + (current == null ? "" : " with " + current.exitValue()) + "; see " + home.resolve("stdout.log")
                    + ": " + tail(home.resolve("stdout.log")));
        }
        return current;
    }

    private static String tail(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
