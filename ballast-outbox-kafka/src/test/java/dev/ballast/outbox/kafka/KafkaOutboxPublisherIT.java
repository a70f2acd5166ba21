package dev.ballast.outbox.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.Integrity;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.test.KafkaBroker;
import dev.ballast.test.LocalDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka publisher against a real KRaft broker in a child JVM, with the outbox on the machine's PostgreSQL. */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaOutboxPublisherIT {

    @RegisterExtension
    static final KafkaBroker kafka = KafkaBroker.create();

    private static final HikariDataSource postgres = LocalDatabases.postgres();

    private final String prefix =
            "kb" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    private final String ordersTopic = "orders-" + UUID.randomUUID();
    private final String paymentsTopic = "payments-" + UUID.randomUUID();
    private final List<Alert> alerts = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Outbox outbox;

    @TempDir
    Path temp;

    @AfterAll
    static void closePool() {
        postgres.close();
    }

    @BeforeEach
    void createOutboxAndTopics() {
        outbox = Outbox.builder(postgres)
                .tablePrefix(prefix)
                .createSchema(true)
                .alerts(alerts::add)
                .meterRegistry(registry)
                .build();
        kafka.createTopic(ordersTopic, 3);
        kafka.createTopic(paymentsTopic, 1);
    }

    @AfterEach
    void dropTables() throws Exception {
        for (AutoCloseable closeable : closeables.reversed()) {
            closeable.close();
        }
        try (Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement()) {
            for (String table : Outbox.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    @Order(1)
    void eventsGoToTheirTopicKeyedByAggregateInOrderWithHeadersAConsumerCanVerify() throws Exception {
        KafkaOutboxPublisher publisher = publisher(Map.of());
        for (int i = 1; i <= 5; i++) {
            for (String account : List.of("A-1", "A-2", "A-3")) {
                append(OutboxEvent.of(account + "-" + i, "Order", account, "OrderPlaced", json(account, i))
                        .withHeader("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
            }
        }
        append(OutboxEvent.of("pay-1", "Payment", "P-1", "PaymentReceived", json("P-1", 1)));

        relay(publisher).build().drain();

        List<ConsumerRecord<String, byte[]>> orders = consume(ordersTopic, 15);
        Map<String, List<Long>> sequences = new LinkedHashMap<>();
        Integrity integrity = Integrity.sha256();
        for (ConsumerRecord<String, byte[]> record : orders) {
            OutboxMessage received = OutboxHeaders.read(name -> header(record, name), record.value());
            assertThat(record.key()).isEqualTo(received.aggregateId());
            assertThat(received.eventType()).isEqualTo("OrderPlaced");
            assertThat(header(record, "traceparent")).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
            assertThat(integrity.verifies(received))
                    .as("content hash of " + received)
                    .isTrue();
            sequences.computeIfAbsent(record.key(), key -> new ArrayList<>()).add(received.aggregateSequence());
        }
        assertThat(sequences).containsOnlyKeys("A-1", "A-2", "A-3").allSatisfy((account, seq) -> assertThat(seq)
                .containsExactly(1L, 2L, 3L, 4L, 5L));
        List<ConsumerRecord<String, byte[]>> payments = consume(paymentsTopic, 1);
        assertThat(header(payments.getFirst(), OutboxHeaders.EVENT_TYPE)).isEqualTo("PaymentReceived");
        assertThat(header(payments.getFirst(), OutboxHeaders.CONTENT_HASH_FORMAT))
                .isEqualTo("sha256-v2");
        assertThat(header(payments.getFirst(), "traceparent")).isNull();
    }

    @Test
    @Order(2)
    void aRecordOverMaxRequestSizeIsDeadLetteredAsRecordTooLargeAndTheRestFlows() throws Exception {
        KafkaOutboxPublisher publisher = publisher(Map.of("max.request.size", 4096));
        append(OutboxEvent.of("small-1", "Order", "A-1", "OrderPlaced", json("A-1", 1)));
        append(OutboxEvent.of(
                "big",
                "Order",
                "A-2",
                "OrderPlaced",
                ("\"" + "x".repeat(10_000) + "\"").getBytes(StandardCharsets.UTF_8)));
        append(OutboxEvent.of("small-2", "Order", "A-3", "OrderPlaced", json("A-3", 1)));

        relay(publisher).build().drain();

        assertThat(consume(ordersTopic, 2)).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("A-1", "A-3");
        List<DeadLetter> dead = outbox.deadLetters().list(10);
        assertThat(dead).singleElement().satisfies(letter -> {
            assertThat(letter.requestId()).isEqualTo("big");
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.RECORD_TOO_LARGE);
            assertThat(letter.attempts()).as("dead at the first refusal").isEqualTo(1);
            assertThat(letter.errorClass()).isEqualTo("org.apache.kafka.common.errors.RecordTooLargeException");
        });
    }

    @Test
    @Order(3)
    void anEventTypeWithoutARouteIsDeadLetteredAsNoRouteNotDropped() throws Exception {
        KafkaOutboxPublisher publisher = publisher(Map.of());
        append(OutboxEvent.of("unknown", "Order", "A-1", "OrderShredded", json("A-1", 1)));
        append(OutboxEvent.of("known", "Order", "A-2", "OrderPlaced", json("A-2", 1)));

        relay(publisher).build().drain();

        assertThat(consume(ordersTopic, 1)).extracting(ConsumerRecord::key).containsExactly("A-2");
        assertThat(outbox.deadLetters().list(10)).singleElement().satisfies(letter -> {
            assertThat(letter.requestId()).isEqualTo("unknown");
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.NO_ROUTE);
            assertThat(letter.errorMessage()).contains("OrderShredded");
        });
    }

    @Test
    @Order(4)
    void anInvalidTopicNameFromACustomRouterIsDeadLetteredAsInvalidDestination() throws Exception {
        KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder(producerConfig(Map.of()))
                .router(message -> message.eventType().equals("Bad") ? "no spaces allowed" : ordersTopic)
                .build();
        closeables.add(publisher);
        append(OutboxEvent.of("bad", "Order", "A-1", "Bad", json("A-1", 1)));
        append(OutboxEvent.of("good", "Order", "A-2", "OrderPlaced", json("A-2", 1)));

        relay(publisher).build().drain();

        assertThat(consume(ordersTopic, 1)).extracting(ConsumerRecord::key).containsExactly("A-2");
        assertThat(outbox.deadLetters().list(10))
                .singleElement()
                .extracting(DeadLetter::reason)
                .isEqualTo(DeadLetterReason.INVALID_DESTINATION);
    }

    @Test
    @Order(5)
    void startUpFailsNamingAMissingTopicOrASettingThatBreaksOrder() {
        assertThatThrownBy(() -> KafkaOutboxPublisher.builder(producerConfig(Map.of()))
                        .routes(Map.of("OrderPlaced", "no-such-topic"))
                        .build())
                .isInstanceOfSatisfying(
                        KafkaOutboxPublisher.TopicCheckException.class,
                        e -> assertThat(e.missingTopics()).containsExactly("no-such-topic"))
                .hasMessageContaining("[no-such-topic]");
        assertThatThrownBy(() -> publisher(Map.of("acks", "1")))
                .isInstanceOfSatisfying(
                        KafkaOutboxPublisher.InvalidSettingException.class,
                        e -> assertThat(e.setting() + "=" + e.value()).isEqualTo("acks=1"))
                .hasMessageContaining("acks must be all");
        assertThatThrownBy(() -> publisher(Map.of("max.in.flight.requests.per.connection", 6)))
                .hasMessageContaining("at most 5");
        assertThatThrownBy(() -> publisher(Map.of("enable.idempotence", "false")))
                .hasMessageContaining("enable.idempotence must be true");
        assertThatThrownBy(() -> TopicRouter.byEventType(Map.of("OrderPlaced", "bad topic")))
                .hasMessageContaining("OrderPlaced is routed to 'bad topic'");
    }

    @Test
    @Order(6)
    void aBrokerOutagePausesTheRelayWithoutSpendingAttemptsAndEverythingFlowsAfterTheRestart() throws Exception {
        KafkaOutboxPublisher publisher =
                publisher(Map.of("max.block.ms", 1000, "delivery.timeout.ms", 3000, "request.timeout.ms", 1000));
        kafka.kill();
        try {
            for (int i = 1; i <= 3; i++) {
                append(OutboxEvent.of("o-" + i, "Order", "A-" + i, "OrderPlaced", json("A-" + i, 1)));
            }
            OutboxRelay relay = relay(publisher).maxAttempts(2).build().start();
            closeables.add(relay);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> alerts.stream().anyMatch(alert -> alert.severity() == Severity.WARNING));
            assertThat(attempts()).as("an outage spends no attempts").isZero();
            assertThat(registry.get("ballast.outbox.failed")
                            .tag("reason", "outage")
                            .counter()
                            .count())
                    .isPositive();
        } finally {
            kafka.restart();
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> pending() == 0);
        assertThat(consume(ordersTopic, 3))
                .extracting(ConsumerRecord::key)
                .containsExactlyInAnyOrder("A-1", "A-2", "A-3");
        assertThat(outbox.deadLetters().count()).isZero();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> alerts.stream().anyMatch(Alert::isResolved)); // the pause alert, resolved
    }

    @Test
    @Order(7)
    void aBrokerSigkilledMidDrainLosesNoEventAndKeepsEachAggregatesOrder() throws Exception {
        // CI: 2,000 events; the 20,000-event soak of issue 11: -Dballast.soak.aggregates=200 -Dballast.soak.events=100
        int aggregates = Integer.getInteger("ballast.soak.aggregates", 40);
        int perAggregate = Integer.getInteger("ballast.soak.events", 50);
        appendMany(aggregates, perAggregate);
        KafkaOutboxPublisher publisher = publisher(Map.of("delivery.timeout.ms", 6000, "request.timeout.ms", 2000));
        OutboxRelay relay = relay(publisher).threads(2).maxAttempts(100).build().start();
        closeables.add(relay);
        await().atMost(Duration.ofSeconds(60)).until(() -> published() >= aggregates * perAggregate / 3);
        kafka.kill();
        assertThat(pending()).as("the broker died mid-drain").isPositive();
        kafka.restart();
        await().atMost(Duration.ofSeconds(90)).until(() -> pending() == 0);

        assertThat(outbox.deadLetters().count()).isZero();
        List<ConsumerRecord<String, byte[]>> records = consumeAtLeast(ordersTopic, aggregates * perAggregate);
        Map<String, List<Long>> firstDeliveries = new HashMap<>();
        int duplicates = 0;
        for (ConsumerRecord<String, byte[]> record : records) {
            long sequence = Long.parseLong(header(record, OutboxHeaders.SEQUENCE));
            List<Long> seen = firstDeliveries.computeIfAbsent(record.key(), key -> new ArrayList<>());
            if (seen.contains(sequence)) {
                duplicates++;
                assertThat(sequence)
                        .as("a repeat is never newer than what was delivered")
                        .isLessThanOrEqualTo(seen.getLast());
            } else {
                seen.add(sequence);
            }
        }
        assertThat(firstDeliveries).hasSize(aggregates);
        List<Long> expected =
                java.util.stream.LongStream.rangeClosed(1, perAggregate).boxed().toList();
        assertThat(firstDeliveries)
                .allSatisfy((key, seq) -> assertThat(seq).as(key).isEqualTo(expected));
        System.out.printf(
                "broker SIGKILL mid-drain: %d events, %d records consumed, %d duplicates%n",
                aggregates * perAggregate, records.size(), duplicates);
    }

    // ---- helpers

    private KafkaOutboxPublisher publisher(Map<String, Object> overrides) {
        KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder(producerConfig(overrides))
                .routes(Map.of("OrderPlaced", ordersTopic, "PaymentReceived", paymentsTopic))
                .build();
        closeables.add(publisher);
        return publisher;
    }

    private static Map<String, Object> producerConfig(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        config.putAll(overrides);
        return config;
    }

    private OutboxRelay.Builder relay(KafkaOutboxPublisher publisher) {
        return outbox.relay(publisher)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(200))
                .outagePause(Duration.ofMillis(200), Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(20))
                .listen(false)
                .deadLetterFile(temp.resolve("dlq.jsonl"));
    }

    private void append(OutboxEvent event) throws SQLException {
        try (Connection connection = postgres.getConnection()) {
            connection.setAutoCommit(false);
            outbox.append(connection, event);
            connection.commit();
        }
    }

    private void appendMany(int aggregates, int perAggregate) throws SQLException {
        try (Connection connection = postgres.getConnection()) {
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
    }

    private static byte[] json(String account, int n) {
        return ("{\"account\":\"" + account + "\",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    private long attempts() throws SQLException {
        return single("SELECT COALESCE(SUM(attempts), 0) FROM " + prefix + "outbox");
    }

    private long pending() throws SQLException {
        return single("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'");
    }

    private long published() throws SQLException {
        return single("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PUBLISHED'");
    }

    private long single(String sql) throws SQLException {
        try (Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static List<ConsumerRecord<String, byte[]>> consume(String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> records = consumeAtLeast(topic, expected);
        assertThat(records).as("records in " + topic).hasSize(expected);
        return records;
    }

    /** Everything in {@code topic} from the beginning, once at least {@code expected} records were read. */
    private static List<ConsumerRecord<String, byte[]>> consumeAtLeast(String topic, int expected) {
        return kafka.readAll(topic, expected, Duration.ofSeconds(30));
    }
}
