package dev.ballast.outbox.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.test.Eventually;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, point 17: relays in child JVMs on PostgreSQL. The first is SIGKILLed mid-batch while 10,000 events over 100
 * aggregates are being appended; later ones finish. A poison event halts every relay that tries it until it reaches
 * the dead letters; a payload with a flipped byte ends there as an integrity violation.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayCrashIT {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String USER = "postgres";
    private static final int EVENTS = 10_000;
    private static final int AGGREGATES = 100;

    private final String prefix =
            "crash" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";
    private final String logTable = prefix + "published";
    private final List<Process> children = new ArrayList<>();
    private HikariDataSource pool; // a new PostgreSQL connection costs tens of ms here: never one per append

    @TempDir
    Path temp;

    @AfterEach
    void cleanUp() throws Exception {
        children.forEach(Process::destroyForcibly);
        if (pool != null) {
            pool.close();
        }
        try (Connection connection = DriverManager.getConnection(URL, USER, "");
                Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>(Outbox.tableNames(prefix));
            tables.add(prefix + "published");
            for (String table : tables) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void everyEventIsPublishedInOrderAfterACrashAndPoisonAndTamperingEndInTheDeadLetters() throws Exception {
        pool = pool();
        Outbox outbox =
                Outbox.builder(pool).tablePrefix(prefix).createSchema(true).build();
        execute("CREATE TABLE " + logTable + " (id BIGSERIAL PRIMARY KEY, event_id CHAR(36) NOT NULL,"
                + " aggregate_id VARCHAR(200) NOT NULL, seq BIGINT NOT NULL, pid BIGINT NOT NULL)");
        String tampered = append(outbox, "tampered", "T-1", "{\"price\":\"71200.00\"}");
        execute("UPDATE " + prefix + "outbox SET payload = convert_to('{\"price\":\"91200.00\"}', 'UTF8')"
                + " WHERE event_id = '" + tampered + "'");
        String poisonRequest = "poison";

        Process first = startRelay(poisonRequest);
        ExecutorService appenders = Executors.newFixedThreadPool(4);
        List<Future<?>> appending = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            appending.add(appenders.submit(() -> {
                for (int i = thread; i < EVENTS; i += 4) {
                    String request = i == EVENTS / 2 ? poisonRequest : "r-" + i;
                    append(outbox, request, "A-" + (i % AGGREGATES), "{\"i\":" + i + "}");
                }
                return null;
            }));
        }
        awaitTrue(
                () -> {
                    for (Future<?> future : appending) {
                        if (future.isDone()) {
                            future.get(); // an appender that failed fails the test now, with its cause
                        }
                    }
                    return count("SELECT COUNT(*) FROM " + logTable) >= 1500;
                },
                60);
        signal(first, "KILL"); // mid-batch: rows it claimed stay leased until the lease runs out
        Set<Long> killed = new HashSet<>(Set.of(first.pid()));
        for (Future<?> future : appending) {
            future.get(120, TimeUnit.SECONDS);
        }
        appenders.shutdown();

        long resumedAt = System.nanoTime();
        List<Process> current = new ArrayList<>(List.of(startRelay(poisonRequest)));
        try {
            awaitTrue(
                    () -> {
                        // published (the log has them) and recorded as such: the last batch's rows leave PENDING
                        // only after its publishes, so the relay is not killed between the two
                        if (count("SELECT COUNT(DISTINCT event_id) FROM " + logTable) >= EVENTS - 1
                                && outbox.deadLetters().count() >= 2
                                && count("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'") == 0) {
                            return true;
                        }
                        Process relay = current.getLast();
                        if (!relay.isAlive()) { // the poison halted it: count it as a crash and start another
                            killed.add(relay.pid());
                            current.add(startRelay(poisonRequest));
                        }
                        return false;
                    },
                    120);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not all published: " + progress() + ", relays killed " + killed.size(), e);
        }
        long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumedAt);
        signal(current.getLast(), "KILL");
        System.out.printf(
                "RelayCrashIT: the relays after the SIGKILL finished in %d ms (%d relays halted by the poison)%n",
                drainMillis, current.size() - 1);

        Map<String, DeadLetter> dead = new HashMap<>();
        outbox.deadLetters().list(10).forEach(letter -> dead.put(letter.requestId(), letter));
        assertThat(dead).containsOnlyKeys(poisonRequest, "tampered");
        assertThat(dead.get(poisonRequest).reason()).isEqualTo(DeadLetterReason.MAX_ATTEMPTS);
        assertThat(dead.get("tampered").reason()).isEqualTo(DeadLetterReason.INTEGRITY_VIOLATION);
        assertThat(count("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'"))
                .isZero();
        checkOrderAndDuplicates(killed);
    }

    /** Per aggregate, first deliveries rise strictly; a repeat is only ever of an event a killed relay had sent. */
    private void checkOrderAndDuplicates(Set<Long> killed) throws SQLException {
        Map<String, Long> lastSeq = new HashMap<>();
        Map<String, Long> firstSender = new HashMap<>();
        int duplicates = 0;
        try (Connection connection = DriverManager.getConnection(URL, USER, "");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT event_id, aggregate_id, seq, pid FROM " + logTable + " ORDER BY id")) {
            while (rows.next()) {
                String eventId = rows.getString(1);
                String aggregate = rows.getString(2);
                long seq = rows.getLong(3);
                Long sender = firstSender.putIfAbsent(eventId, rows.getLong(4));
                if (sender != null) {
                    duplicates++;
                    assertThat(killed)
                            .as("event " + eventId + " repeated after being sent by " + sender)
                            .contains(sender);
                    continue;
                }
                Long previous = lastSeq.put(aggregate, seq);
                assertThat(seq).as("order of " + aggregate).isGreaterThan(previous == null ? 0 : previous);
            }
        }
        assertThat(firstSender).hasSize(EVENTS - 1 + 0); // every event but the poison (the tampered one never went)
        System.out.printf(
                "RelayCrashIT: %d events published once or more, %d duplicate deliveries, %d relays killed%n",
                firstSender.size(), duplicates, killed.size());
        assertThat(duplicates).as("duplicates, all from killed relays' batches").isLessThanOrEqualTo(2 * 20 * 10 * 4);
    }

    private Process startRelay(String poison) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        RelayProcess.class.getName(),
                        URL,
                        USER,
                        prefix,
                        logTable,
                        poison,
                        temp.resolve("dlq.jsonl").toString())
                .redirectErrorStream(true)
                .start();
        children.add(child);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("STARTED ")) {
            System.out.println("[relay " + child.pid() + "] " + line);
        }
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

    private String append(Outbox outbox, String request, String aggregate, String body) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            String id = outbox.append(
                            connection,
                            OutboxEvent.of(
                                    request, "Account", aggregate, "Deposited", body.getBytes(StandardCharsets.UTF_8)))
                    .eventId();
            connection.commit();
            return id;
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = pool.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection connection = pool.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql);
                ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }

    private String progress() throws SQLException {
        return "distinct published " + count("SELECT COUNT(DISTINCT event_id) FROM " + logTable) + ", pending "
                + count("SELECT COUNT(*) FROM " + prefix + "outbox WHERE status = 'PENDING'") + ", dead "
                + count("SELECT COUNT(*) FROM " + prefix + "outbox_dlq") + ", aggregates leased "
                + count("SELECT COUNT(*) FROM " + prefix + "outbox_aggregate WHERE lease_owner IS NOT NULL")
                + ", max attempts " + count("SELECT COALESCE(MAX(attempts), 0) FROM " + prefix + "outbox")
                + ", dead letters " + outboxDeadSample();
    }

    private String outboxDeadSample() throws SQLException {
        try (Connection connection = pool.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT aggregate_id, COUNT(*), MIN(aggregate_seq), MAX(aggregate_seq), MIN(reason) FROM "
                                + prefix + "outbox_dlq GROUP BY aggregate_id ORDER BY 2 DESC LIMIT 8")) {
            StringBuilder sample = new StringBuilder();
            while (rows.next()) {
                sample.append(" | ")
                        .append(rows.getString(1))
                        .append(' ')
                        .append(rows.getString(2))
                        .append(' ')
                        .append(rows.getInt(3))
                        .append(' ')
                        .append(rows.getString(4));
            }
            return sample.toString();
        }
    }

    private static HikariDataSource pool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(URL);
        config.setUsername(USER);
        config.setPassword("");
        config.setMaximumPoolSize(6);
        return new HikariDataSource(config);
    }

    private static void signal(Process process, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Real processes on their own schedule (a killed relay's leases run out in real time): awaited, bounded. */
    private static void awaitTrue(SqlCondition condition, int seconds) {
        Eventually.within(Duration.ofSeconds(seconds), "the relay processes", () -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @FunctionalInterface
    private interface SqlCondition {
        boolean holds() throws Exception;
    }
}
