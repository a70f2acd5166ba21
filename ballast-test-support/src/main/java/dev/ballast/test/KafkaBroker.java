package dev.ballast.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 *
 * <p>Used by the Kafka outbox ITs, the chaos scenarios with Kafka, the brokerage example's settlement IT and the Kafka
 * benchmarks. This type holds the broker's ports and server configuration; the child JVM is {@link
 * KafkaBrokerProcess}'s, the topic operations and the reading of records {@link KafkaTopics}'.
 */
public final class KafkaBroker implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> overrides = new TreeMap<>();
    private final int port = freePort();
    private final int controllerPort = freePort();
    private int advertisedPort;
    private final KafkaBrokerProcess process = new KafkaBrokerProcess(port, this::admin);

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
        if (!process.prepared()) {
            process.prepare(serverProperties());
        }
        process.launch();
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
        return process.running().pid();
    }

    /** Whether the child JVM is alive. */
    public boolean isRunning() {
        return process.isRunning();
    }

    /**
     * Every committed record of {@code topic} from its beginning, read by a consumer group of its own: once at least
     * {@code expected} were read and two polls in a row came back empty (so repeats past {@code expected} are in
     * too), or when {@code bound} has passed. The caller checks the count.
     */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected, Duration bound) {
        return KafkaTopics.readAll(bootstrapServers(), topic, expected, bound);
    }

    /** Creates a topic with {@code partitions} partitions (replication factor 1) and waits until it exists. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            KafkaTopics.create(admin, name, partitions);
        }
    }

    /** The topic names on the broker. */
    public Set<String> topics() {
        try (Admin admin = admin()) {
            return KafkaTopics.names(admin);
        }
    }

    /** Kills the broker with SIGKILL, as a crash would, and waits until the process is gone. Data stays on disk. */
    public void kill() throws IOException {
        process.kill();
    }

    /** Starts the broker again on the same ports with the same data (after {@link #kill()}) and waits until ready. */
    public void restart() throws IOException {
        process.kill();
        process.launch();
    }

    @Override
    public void close() throws IOException {
        process.close();
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
        // while the broker is still starting, Kafka's default (rebootstrap) logs a line per turn of the client's loop
        properties.put(AdminClientConfig.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        return Admin.create(properties);
    }

    /** A single node that is broker and controller, on this broker's ports, with the test's overrides on top. */
    private Map<String, String> serverProperties() {
        Map<String, String> config = new TreeMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", "1");
        config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + advertisedPort);
        config.put("controller.listener.names", "CONTROLLER");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
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
        return config;
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
}
