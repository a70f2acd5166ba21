package dev.ballast.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) from the {@code kafka_2.13} jar, in a child
 * JVM on free loopback ports, with its own log directory. A test may SIGKILL it and restart it on the same ports and
 * data. Register it as a JUnit 5 extension ({@code @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();})
 * to start it before the class's tests and remove it after; or use {@link #start()} and {@link #close()} directly. The
 * test module must have {@code org.apache.kafka:kafka_2.13} on its test classpath. The child halts if the test JVM dies.
 * Not thread-safe: drive it from the test thread.
 */
public final class KafkaBroker implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private static final long START_TIMEOUT_MILLIS = 60_000;

    private final Map<String, String> overrides = new TreeMap<>();
    private @Nullable Path dir;
    private final int port = freePort();
    private final int controllerPort = freePort();
    private int advertisedPort;
    private String clusterId = "";
    private @Nullable Process process;

    private KafkaBroker() {
        advertisedPort = port;
    }

    /** A broker that is not started yet; {@link #config} adds server properties. */
    public static KafkaBroker create() {
        return new KafkaBroker();
    }

    /** Sets a server property (e.g. {@code message.max.bytes}) before start. */
    public KafkaBroker config(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /**
     * Tells clients to connect to {@code port} instead of the broker's own (set before start): its metadata then names
     * {@code 127.0.0.1:<port>}, so a {@code FaultProxy} there, started on {@link #port()} before the broker, carries
     * every connection after the bootstrap, the admin client's of this class too.
     */
    public KafkaBroker advertise(int port) {
        this.advertisedPort = port;
        return this;
    }

    /** Starts the broker on its free ports (chosen when it was created) and waits until it answers an admin request. */
    public KafkaBroker start() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("ballast-kafka-");
            clusterId = Uuid.randomUuid().toString();
            writeConfig();
        }
        launch();
        return this;
    }

    /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker's client port, known from creation on. */
    public int port() {
        return port;
    }

    /** The child JVM's process id; fails if it is not running. */
    public long pid() {
        return running().pid();
    }

    /** Whether the child JVM is alive. */
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Every committed record of {@code topic} from its beginning, read by a consumer group of its own: once at least
     * {@code expected} were read and two polls in a row came back empty (so repeats past {@code expected} are in
     * too), or when {@code bound} has passed. The caller checks the count.
     */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected, Duration bound) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + Uuid.randomUuid());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + bound.toNanos();
            int emptyPolls = 0;
            while (System.nanoTime() < deadline && (records.size() < expected || emptyPolls < 2)) {
                var polled = consumer.poll(Duration.ofMillis(500));
                polled.forEach(records::add);
                emptyPolls = records.size() >= expected && polled.isEmpty() ? emptyPolls + 1 : 0;
            }
        }
        return records;
    }

    /** Creates a topic with {@code partitions} partitions (replication factor 1) and waits until it exists. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            // the controller has created it; the broker's metadata may lag by a moment, and a client that lists topics
            // right away (a publisher verifying its routes) must see it
            Eventually.within(
                    Duration.ofSeconds(30), "topic " + name + " listed by the broker", () -> listed(admin, name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not create topic " + name, e);
        }
    }

    private static boolean listed(Admin admin, String name) {
        try {
            return admin.listTopics().names().get(5, TimeUnit.SECONDS).contains(name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** The topic names on the broker. */
    public Set<String> topics() {
        try (Admin admin = admin()) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not list topics", e);
        }
    }

    /** Kills the broker with SIGKILL, as a crash would, and waits until the process is gone. Data stays on disk. */
    public void kill() throws IOException {
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

    /** Starts the broker again on the same ports with the same data (after {@link #kill()}) and waits until ready. */
    public void restart() throws IOException {
        kill();
        launch();
    }

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

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    /** An admin client on this broker; the caller closes it. */
    public Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(properties);
    }

    private Path dir() {
        if (dir == null) {
            throw new IllegalStateException("the Kafka broker was not started");
        }
        return dir;
    }

    private Process running() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("the Kafka broker is not running");
        }
        return process;
    }

    private void writeConfig() throws IOException {
        Map<String, String> config = new TreeMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", "1");
        config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + advertisedPort);
        config.put("controller.listener.names", "CONTROLLER");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.put("log.dirs", dir().resolve("data").toString());
        config.put("num.partitions", "1");
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "3");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("auto.create.topics.enable", "false");
        config.put("log.flush.interval.messages", "9223372036854775807");
        config.putAll(overrides);
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

    private void launch() throws IOException {
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
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        try (Admin admin = admin()) {
            while (true) {
                Process current = running0(home);
                try {
                    if (!admin.describeCluster()
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

    private Process running0(Path home) throws IOException {
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

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
