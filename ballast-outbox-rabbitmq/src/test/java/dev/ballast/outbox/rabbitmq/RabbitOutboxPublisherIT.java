package dev.ballast.outbox.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.test.LocalDatabases;
import dev.ballast.test.RabbitVirtualHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The RabbitMQ publisher against the machine's RabbitMQ, in a virtual host of its own, outbox on PostgreSQL. */
@Timeout(120)
class RabbitOutboxPublisherIT {

    @RegisterExtension
    static final RabbitVirtualHost rabbit = RabbitVirtualHost.create();

    private static final HikariDataSource postgres = LocalDatabases.postgres();

    private final String prefix =
            "rb" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    private final String ordersExchange = "orders-" + UUID.randomUUID();
    private final String paymentsExchange = "payments-" + UUID.randomUUID();
    private final String ordersQueue = "orders-q-" + UUID.randomUUID();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private com.rabbitmq.client.Connection admin;
    private Channel channel;
    private Outbox outbox;

    @TempDir
    Path temp;

    @AfterAll
    static void closePool() {
        postgres.close();
    }

    @BeforeEach
    void declareTopology() throws Exception {
        outbox = Outbox.builder(postgres).tablePrefix(prefix).createSchema(true).build();
        admin = factory().newConnection("test-admin");
        channel = admin.createChannel();
        channel.exchangeDeclare(ordersExchange, "topic", true);
        channel.exchangeDeclare(paymentsExchange, "topic", true); // nothing bound: every message is unroutable
        channel.queueDeclare(ordersQueue, true, false, false, null);
        channel.queueBind(ordersQueue, ordersExchange, "OrderPlaced");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable closeable : closeables.reversed()) {
            closeable.close();
        }
        admin.close();
        try (java.sql.Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : Outbox.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void confirmedPersistentMessagesGoToTheAggregatesExchangeKeyedByEventTypeWithVerifiableHeaders() throws Exception {
        RabbitOutboxPublisher publisher = publisher();
        for (int i = 1; i <= 4; i++) {
            for (String account : List.of("A-1", "A-2")) {
                append(OutboxEvent.of(account + "-" + i, "Order", account, "OrderPlaced", json(account, i))
                        .withHeader("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
            }
        }

        relay(publisher).build().drain();

        List<GetResponse> messages = drainQueue(8);
        Map<String, List<Long>> sequences = new LinkedHashMap<>();
        for (GetResponse message : messages) {
            OutboxMessage received = read(message);
            assertThat(message.getProps().getDeliveryMode()).as("persistent").isEqualTo(2);
            assertThat(message.getProps().getMessageId()).isEqualTo(received.eventId());
            assertThat(message.getEnvelope().getRoutingKey()).isEqualTo("OrderPlaced");
            assertThat(message.getEnvelope().getExchange()).isEqualTo(ordersExchange);
            assertThat(header(message, "traceparent")).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
            assertThat(Integrity.sha256().verifies(received)).isTrue();
            sequences
                    .computeIfAbsent(received.aggregateId(), key -> new ArrayList<>())
                    .add(received.aggregateSequence());
        }
        assertThat(sequences).containsOnlyKeys("A-1", "A-2");
        assertThat(sequences.values()).allSatisfy(seq -> assertThat(seq).containsExactly(1L, 2L, 3L, 4L));
    }

    @Test
    void anUnroutableMessageIsDeadLetteredAsUnroutableAndTheRestFlows() throws Exception {
        RabbitOutboxPublisher publisher = publisher();
        append(OutboxEvent.of("pay-1", "Payment", "P-1", "PaymentReceived", json("P-1", 1)));
        append(OutboxEvent.of("order-1", "Order", "A-1", "OrderPlaced", json("A-1", 1)));
        append(OutboxEvent.of("nobody-1", "Ghost", "G-1", "GhostSeen", json("G-1", 1)));

        relay(publisher).build().drain();

        assertThat(drainQueue(1))
                .extracting(message -> read(message).requestId())
                .containsExactly("order-1");
        Map<String, DeadLetter> dead = new HashMap<>();
        outbox.deadLetters().list(10).forEach(letter -> dead.put(letter.requestId(), letter));
        assertThat(dead).containsOnlyKeys("pay-1", "nobody-1");
        assertThat(dead.get("pay-1").reason()).isEqualTo(DeadLetterReason.UNROUTABLE);
        assertThat(dead.get("pay-1").errorMessage()).contains("NO_ROUTE").contains(paymentsExchange);
        assertThat(dead.get("pay-1").attempts()).isEqualTo(1);
        assertThat(dead.get("nobody-1").reason()).isEqualTo(DeadLetterReason.NO_ROUTE);
    }

    @Test
    void aNackedMessageIsRetriedAndDeliveredOnceTheQueueHasRoom() throws Exception {
        String tiny = "tiny-" + UUID.randomUUID();
        channel.queueDeclare(tiny, true, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
        channel.queueBind(tiny, ordersExchange, "OrderTiny");
        RabbitOutboxPublisher publisher = publisher();
        append(OutboxEvent.of("t-1", "Order", "A-1", "OrderTiny", json("A-1", 1)));
        append(OutboxEvent.of("t-2", "Order", "A-2", "OrderTiny", json("A-2", 1)));

        OutboxRelay relay = relay(publisher).build().start();
        closeables.add(relay);
        await().atMost(Duration.ofSeconds(20)).until(() -> attemptsOfPending() >= 3); // nacked, retried, nacked
        assertThat(pending()).as("the nacked event is still pending, not lost").isEqualTo(1);
        assertThat(channel.basicGet(tiny, true)).isNotNull(); // make room
        await().atMost(Duration.ofSeconds(20)).until(() -> pending() == 0);
        assertThat(channel.basicGet(tiny, true)).isNotNull();
        assertThat(outbox.deadLetters().count()).isZero();
    }

    @Test
    void theServerClosingTheConnectionMidDrainLosesNoEventAndKeepsEachAggregatesOrder() throws Exception {
        int aggregates = 40;
        int perAggregate = 100;
        try (java.sql.Connection connection = postgres.getConnection()) {
            connection.setAutoCommit(false);
            for (int i = 1; i <= perAggregate; i++) {
                for (int a = 0; a < aggregates; a++) {
                    outbox.append(
                            connection,
                            OutboxEvent.of("r-" + a + "-" + i, "Order", "A-" + a, "OrderPlaced", json("A-" + a, i)));
                }
                connection.commit();
            }
        }
        RabbitOutboxPublisher publisher = publisher();
        // small claims: the drain takes several seconds, longer than rabbitmqctl needs to find and close the connection
        OutboxRelay relay = relay(publisher)
                .threads(1)
                .batchAggregates(4)
                .maxPerAggregate(2)
                .maxAttempts(100)
                .build()
                .start();
        closeables.add(relay);
        await().atMost(Duration.ofSeconds(60)).until(() -> published() >= 100);
        int closed = rabbit.closeConnections("test: server-side close mid-drain");
        assertThat(closed).as("the publisher's and the test's connections").isGreaterThanOrEqualTo(1);
        assertThat(pending()).as("closed mid-drain").isPositive();
        await().atMost(Duration.ofSeconds(90)).until(() -> pending() == 0);
        assertThat(outbox.deadLetters().count()).isZero();

        admin.abort(); // the server closed it too
        admin = factory().newConnection("test-admin-2");
        channel = admin.createChannel();
        Map<String, List<Long>> firstDeliveries = new HashMap<>();
        int total = 0;
        GetResponse message;
        while ((message = channel.basicGet(ordersQueue, true)) != null) {
            total++;
            OutboxMessage received = read(message);
            List<Long> seen = firstDeliveries.computeIfAbsent(received.aggregateId(), key -> new ArrayList<>());
            if (!seen.contains(received.aggregateSequence())) {
                seen.add(received.aggregateSequence());
            }
        }
        List<Long> expected =
                java.util.stream.LongStream.rangeClosed(1, perAggregate).boxed().toList();
        assertThat(firstDeliveries).hasSize(aggregates);
        assertThat(firstDeliveries)
                .allSatisfy((key, seq) -> assertThat(seq).as(key).isEqualTo(expected));
        System.out.printf(
                "RabbitMQ connection closed mid-drain: %d events, %d messages, %d duplicates%n",
                aggregates * perAggregate, total, total - aggregates * perAggregate);
    }

    @Test
    void startUpFailsNamingAMissingExchange() {
        assertThatThrownBy(() -> RabbitOutboxPublisher.builder(factory())
                        .exchanges(Map.of("Order", "no-such-exchange"))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'no-such-exchange'");
    }

    @Test
    void startUpWithAWrongPasswordSaysTheCredentialsWereRefusedWithoutShowingThem() {
        // found by a black-box check: "Could not connect to RabbitMQ", ACCESS_REFUSED only deep in the causes
        ConnectionFactory wrong = factory();
        wrong.setPassword("Sekr3t-wrong-password");
        assertThatThrownBy(() -> RabbitOutboxPublisher.builder(wrong)
                        .exchanges(Map.of("Order", ordersExchange))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refused the credentials of user 'guest'")
                .hasMessageContaining("virtual host '" + rabbit.name() + "'")
                .hasMessageNotContaining("Sekr3t");
    }

    // ---- helpers

    private RabbitOutboxPublisher publisher() {
        RabbitOutboxPublisher publisher = RabbitOutboxPublisher.builder(factory())
                .exchanges(Map.of("Order", ordersExchange, "Payment", paymentsExchange))
                .build();
        closeables.add(publisher);
        return publisher;
    }

    private static ConnectionFactory factory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(rabbit.host());
        factory.setPort(rabbit.port());
        factory.setVirtualHost(rabbit.name());
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setNetworkRecoveryInterval(500);
        return factory;
    }

    private OutboxRelay.Builder relay(RabbitOutboxPublisher publisher) {
        return outbox.relay(publisher)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .outagePause(Duration.ofMillis(200), Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(20))
                .listen(false)
                .deadLetterFile(temp.resolve("dlq.jsonl"));
    }

    private void append(OutboxEvent event) throws SQLException {
        try (java.sql.Connection connection = postgres.getConnection()) {
            connection.setAutoCommit(false);
            outbox.append(connection, event);
            connection.commit();
        }
    }

    private List<GetResponse> drainQueue(int expected) throws Exception {
        List<GetResponse> messages = new ArrayList<>();
        GetResponse message;
        while ((message = channel.basicGet(ordersQueue, true)) != null) {
            messages.add(message);
        }
        assertThat(messages).hasSize(expected);
        return messages;
    }

    private static OutboxMessage read(GetResponse message) {
        return OutboxHeaders.read(name -> header(message, name), message.getBody());
    }

    private static String header(GetResponse message, String name) {
        Object value = message.getProps().getHeaders() == null
                ? null
                : message.getProps().getHeaders().get(name);
        return value == null ? null : value.toString();
    }

    private static byte[] json(String account, int n) {
        return ("{\"account\":\"" + account + "\",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    private long pending() throws SQLException {
        return single("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'");
    }

    private long attemptsOfPending() throws SQLException {
        return single("SELECT COALESCE(MAX(attempts), 0) FROM " + prefix + "outbox WHERE status = 'PENDING'");
    }

    private long published() throws SQLException {
        return single("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PUBLISHED'");
    }

    private long single(String sql) throws SQLException {
        try (java.sql.Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
