package dev.ballast.bench.outbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.PublishResult;
import dev.ballast.outbox.inbox.Inbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link KafkaDeliverySuite}'s inbox part (issue 11, point 8): what the inbox costs per consumed event, 8 threads (each
 * owns its aggregates and takes them in order, as a consumer owns partitions), one event per transaction:
 * {@link Inbox#receive} with a handler that does nothing (headers read, content hash verified, the event's row
 * recorded, the aggregate's sequence advanced) against a plain insert of the same row into a table of the inbox
 * table's shape. Goal: at most 1.3x the insert. No broker: the messages are captured from a relay beforehand.
 */
final class InboxCost {

    private static final int INBOX_EVENTS = 8_000;

    private InboxCost() {}

    static void run(Report report, HikariDataSource pool, int trials) throws Exception {
        System.out.println(
                "## inbox: " + INBOX_EVENTS + " events per subject per trial, 8 threads, one per transaction");
        List<OutboxMessage> messages = messages(pool, INBOX_EVENTS);
        List<String> subjects = List.of("plain-insert", "ballast-inbox");
        Results results = PairedTrials.run(
                "inbox vs plain insert", subjects, trials, 1, PairedTrials.single("events/s", (subject, trial) -> {
                    String p = "inb" + UUID.randomUUID().toString().substring(0, 6) + "_";
                    Inbox inbox = Inbox.builder(pool, "bench")
                            .tablePrefix(p)
                            .createSchema(true)
                            .build();
                    // the row of the inbox and the indexes it had in version 1 (its key and the retention index),
                    // not the inbox's own indexes today: the baseline stays a plain insert of the row, as before
                    OutboxHarness.execute(
                            pool,
                            "CREATE TABLE " + p + "plain (consumer VARCHAR(100) NOT NULL, event_id"
                                    + " VARCHAR(64) NOT NULL, aggregate_type VARCHAR(100) NOT NULL, aggregate_id VARCHAR(200)"
                                    + " NOT NULL, aggregate_seq BIGINT NOT NULL, event_type VARCHAR(200) NOT NULL, received_at"
                                    + " TIMESTAMP(6) NOT NULL, PRIMARY KEY (consumer, event_id))");
                    OutboxHarness.execute(pool, "CREATE INDEX " + p + "plain_received ON " + p + "plain (received_at)");
                    try {
                        if (subject.equals("plain-insert")) {
                            return consume(messages, (message, headers) -> {
                                try (Connection connection = pool.getConnection()) {
                                    connection.setAutoCommit(false);
                                    plainInsert(connection, p, message);
                                    connection.commit();
                                }
                            });
                        }
                        return consume(
                                messages,
                                (message, headers) ->
                                        inbox.receive(headers::get, message.payload(), (connection, m) -> {}));
                    } finally {
                        OutboxHarness.execute(pool, "DROP TABLE IF EXISTS " + p + "plain");
                        for (String table : Inbox.tableNames(p)) {
                            OutboxHarness.execute(pool, "DROP TABLE IF EXISTS " + table);
                        }
                    }
                }));
        report.table(results, "events/s", "events per second", "plain-insert");
        report.chart(
                "inbox", "Inbox vs a plain insert of its row (8 threads)", "events/s", results, List.of("events/s"));
        report.claim(results.claim(
                "point 8: the inbox costs <= 1.3x a plain insert of its row (throughput >= 1/1.3 of it)",
                "ballast-inbox",
                "plain-insert",
                "events/s",
                r -> r >= 1 / 1.3));
    }

    @FunctionalInterface
    private interface Receiver {
        void receive(OutboxMessage message, Map<String, String> headers) throws Exception;
    }

    /** Events/s of {@code receiver} over all messages, 8 threads, thread t taking aggregates t, t+8, ... in order. */
    private static double consume(List<OutboxMessage> messages, Receiver receiver) throws Exception {
        List<Map<String, String>> headers =
                messages.stream().map(OutboxHeaders::of).toList();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(threads.submit(() -> {
                    for (int i = 0; i < messages.size(); i++) {
                        OutboxMessage message = messages.get(i);
                        if (Math.floorMod(message.aggregateId().hashCode(), 8) == thread) {
                            receiver.receive(message, headers.get(i));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            threads.shutdown();
        }
        return messages.size() / ((System.nanoTime() - start) / 1e9);
    }

    /** The row the inbox records for {@code message}, inserted into a table of the inbox table's shape. */
    private static void plainInsert(Connection connection, String prefix, OutboxMessage message) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + prefix + "plain (consumer,"
                + " event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, received_at) VALUES (?, ?, ?, ?,"
                + " ?, ?, ?)")) {
            insert.setString(1, "bench");
            insert.setString(2, message.eventId());
            insert.setString(3, message.aggregateType());
            insert.setString(4, message.aggregateId());
            insert.setLong(5, message.aggregateSequence());
            insert.setString(6, message.eventType());
            insert.setTimestamp(7, Timestamp.from(Instant.now()));
            insert.executeUpdate();
        }
    }

    /** Real messages with real content hashes: appended to an outbox and captured from its relay, in relay order. */
    private static List<OutboxMessage> messages(HikariDataSource pool, int count) throws Exception {
        String p = "msg" + UUID.randomUUID().toString().substring(0, 6) + "_";
        Outbox outbox = Outbox.builder(pool).tablePrefix(p).createSchema(true).build();
        try {
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                for (long n = 1; n <= count; n++) {
                    outbox.append(connection, OutboxHarness.event(n));
                    if (n % 500 == 0) {
                        connection.commit();
                    }
                }
                connection.commit();
            }
            List<OutboxMessage> captured = new CopyOnWriteArrayList<>();
            outbox.relay(batch -> {
                        captured.addAll(batch);
                        return batch.stream()
                                .map(m -> PublishResult.published())
                                .toList();
                    })
                    .listen(false)
                    .build()
                    .drain();
            if (captured.size() != count) {
                throw new IllegalStateException("captured " + captured.size() + " of " + count);
            }
            return List.copyOf(captured);
        } finally {
            OutboxHarness.dropAll(pool, p);
        }
    }
}
