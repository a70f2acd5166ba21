package dev.ballast.outbox.kafka.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.kafka.KafkaInbox;
import dev.ballast.test.Eventually;
import dev.ballast.test.KafkaBroker;
import dev.ballast.test.LocalDatabases;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, point 7: the relay's JVM SIGKILLed mid-wave while it publishes to a real Kafka broker and 20,000 events over
 * 200 aggregates are being appended (again if the kill fell between two waves); the next relay takes over once the dead one's leases run out. At the consumer,
 * through the inbox: every event booked exactly once, each aggregate's events first delivered in order, the repeats
 * the crash caused absorbed as duplicates.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KafkaRelayCrashIT {

    @RegisterExtension
    static final KafkaBroker kafka = KafkaBroker.create();

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String USER = "postgres";
    private static final int AGGREGATES = 200;
    private static final int EVENTS = 20_000;

    private static final HikariDataSource postgres = LocalDatabases.postgres();

    private final String prefix =
            "kc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    private final String topic = "orders-" + UUID.randomUUID();
    private final List<Process> children = new ArrayList<>();

    @AfterAll
    static void closePool() {
        postgres.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        children.forEach(Process::destroyForcibly);
        try (Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>(Outbox.tableNames(prefix));
            tables.addAll(Inbox.tableNames(prefix));
            tables.add(prefix + "booked");
            for (String table : tables) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void aRelaySigkilledMidWaveLosesNothingAndTheInboxAbsorbsWhatItHadSentTwice() throws Exception {
        Outbox outbox =
                Outbox.builder(postgres).tablePrefix(prefix).createSchema(true).build();
        kafka.createTopic(topic, 6);

        ExecutorService appenders = Executors.newFixedThreadPool(4);
        List<Future<?>> appending = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            appending.add(appenders.submit(() -> {
                for (int i = thread; i < EVENTS; i += 4) {
                    append(outbox, "r-" + i, "A-" + (i % AGGREGATES), i);
                }
                return null;
            }));
        }
        // SIGKILL a relay while it holds claimed aggregates it has not completed (mid-wave). A kill can still land
        // between two waves (the wave ends in the milliseconds between seeing its leases and the signal): then the
        // next relay is started and killed the same way, at most 5 times
        long leasedByTheDead = 0;
        long publishedAtKill = 0;
        int kills = 0;
        while (leasedByTheDead == 0 && kills < 5) {
            Process relay = startRelay();
            String owner = "relay-" + relay.pid();
            long floor = published() + 500;
            within(Duration.ofSeconds(90), owner + " published 500 more events and holds claimed aggregates", () -> {
                failFast(appending);
                return published() >= floor && leased(owner) > 0;
            });
            kill(relay);
            kills++;
            leasedByTheDead = leased(owner);
            publishedAtKill = published();
        }
        assertThat(leasedByTheDead)
                .as("aggregates a killed relay had claimed and not completed (" + kills + " kills)")
                .isPositive();
        for (Future<?> future : appending) {
            future.get(120, TimeUnit.SECONDS);
        }
        appenders.shutdown();

        long resumedAt = System.nanoTime();
        startRelay();
        // the dead relay's events go out in normal batches (issue 11): the next relay took 7.7 and 9.6 s here
        // (2026-12-01, 2 cores, ~16,400 and ~19,000 events left, 3 s of it the dead relay's lease); 40 s is about 4x,
        // for a loaded CI machine. Before the fix every claimed event went alone: 118-224 s
        within(
                Duration.ofSeconds(40),
                "the next relay published the rest",
                () -> count("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'") == 0);
        long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumedAt);
        assertThat(outbox.deadLetters().count()).isZero();

        List<ConsumerRecord<String, byte[]>> records = consumeAtLeast(EVENTS);
        Inbox inbox = Inbox.builder(postgres, "settlement")
                .tablePrefix(prefix)
                .createSchema(true)
                .build();
        execute("CREATE TABLE " + prefix + "booked (event_id CHAR(36) NOT NULL, aggregate_id VARCHAR(200) NOT NULL,"
                + " seq BIGINT NOT NULL)");
        Map<Inbox.Result, Integer> results = new EnumMap<>(Inbox.Result.class);
        Map<String, Long> lastFirstDelivery = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            Inbox.Result result = KafkaInbox.receive(inbox, record, (connection, message) -> {
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO " + prefix + "booked (event_id, aggregate_id, seq) VALUES (?, ?, ?)")) {
                    insert.setString(1, message.eventId());
                    insert.setString(2, message.aggregateId());
                    insert.setLong(3, message.aggregateSequence());
                    insert.executeUpdate();
                }
            });
            results.merge(result, 1, Integer::sum);
            if (result == Inbox.Result.PROCESSED) {
                long sequence = Long.parseLong(KafkaInbox.header(record, OutboxHeaders.SEQUENCE));
                Long previous = lastFirstDelivery.put(record.key(), sequence);
                assertThat(sequence)
                        .as("first deliveries of " + record.key() + " in order")
                        .isEqualTo(previous == null ? 1 : previous + 1);
            }
        }
        int duplicates = results.getOrDefault(Inbox.Result.DUPLICATE, 0);
        assertThat(results.getOrDefault(Inbox.Result.PROCESSED, 0)).isEqualTo(EVENTS);
        assertThat(results.get(Inbox.Result.DEAD_LETTERED)).isNull();
        assertThat(duplicates).isEqualTo(records.size() - EVENTS);
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "booked")).isEqualTo(EVENTS);
        assertThat(count("SELECT COUNT(DISTINCT event_id) FROM " + prefix + "booked"))
                .isEqualTo(EVENTS);
        assertThat(lastFirstDelivery)
                .hasSize(AGGREGATES)
                .allSatisfy((aggregate, last) -> assertThat(last).as(aggregate).isEqualTo(EVENTS / AGGREGATES));
        System.out.printf(
                "KafkaRelayCrashIT: %d relay(s) killed, the last with %d of %d published and %d aggregates claimed;"
                        + " the next relay finished in %d ms; %d records consumed, %d booked, %d duplicates absorbed by"
                        + " the inbox%n",
                kills, publishedAtKill, EVENTS, leasedByTheDead, drainMillis, records.size(), EVENTS, duplicates);
    }

    private Process startRelay() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        KafkaRelayProcess.class.getName(),
                        URL,
                        USER,
                        prefix,
                        kafka.bootstrapServers(),
                        topic)
                .redirectErrorStream(true)
                .start();
        children.add(child);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("STARTED ")) {
            System.out.println("[relay " + child.pid() + "] " + line);
        }
        assertThat(line).as("relay " + child.pid() + " started").isNotNull();
        Thread.ofVirtual().start(() -> {
            try {
                for (String more = out.readLine(); more != null; more = out.readLine()) {
                    System.out.println("[relay " + child.pid() + "] " + more); // and the pipe never fills
                }
            } catch (Exception ignored) {
                // the child died
            }
        });
        return child;
    }

    /** Real processes on their own schedule (a killed relay's leases run out in real time): awaited, bounded. */
    private static void within(Duration bound, String what, Check check) {
        Eventually.within(bound, what, () -> {
            try {
                return check.holds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    /** SIGKILL (what {@link Process#destroyForcibly()} sends on Linux): no shutdown hook, no lease released. */
    private static void kill(Process process) throws Exception {
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("relay dead").isTrue();
    }

    private long published() throws SQLException {
        return count("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PUBLISHED'");
    }

    private long leased(String owner) throws SQLException {
        return count("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE lease_owner LIKE '" + owner + "#%'");
    }

    private static void failFast(List<Future<?>> appending) throws Exception {
        for (Future<?> future : appending) {
            if (future.isDone()) {
                future.get(); // an appender that failed fails the test now, with its cause
            }
        }
    }

    private void append(Outbox outbox, String request, String aggregate, int i) throws SQLException {
        try (Connection connection = postgres.getConnection()) {
            connection.setAutoCommit(false);
            outbox.append(
                    connection,
                    OutboxEvent.of(
                            request,
                            "Order",
                            aggregate,
                            "OrderPlaced",
                            ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            connection.commit();
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long count(String sql) throws SQLException {
        try (Connection connection = postgres.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    /** Everything in the topic from the beginning, once at least {@code expected} records were read (bounded). */
    private List<ConsumerRecord<String, byte[]>> consumeAtLeast(int expected) {
        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(topic, expected, Duration.ofSeconds(60));
        assertThat(records.size()).as("records in " + topic).isGreaterThanOrEqualTo(expected);
        return records;
    }
}
