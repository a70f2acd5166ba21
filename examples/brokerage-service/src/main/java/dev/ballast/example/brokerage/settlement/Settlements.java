package dev.ballast.example.brokerage.settlement;

import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.inbox.Inbox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The settlement consumer's logic: books one {@code settlement} row per {@code OrderPlaced} event, through the inbox,
 * so a redelivered event is never booked twice. Counts {@code brokerage.settlements{result=booked|duplicate}}. Called
 * by the listener of whichever broker the outbox publishes to ({@link SettlementListeners}).
 */
@Component
public class Settlements {

    private final Inbox inbox;
    private final DataSource dataSource;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Counter booked;
    private final Counter duplicates;

    Settlements(Inbox inbox, DataSource dataSource, MeterRegistry registry) {
        this.inbox = inbox;
        this.dataSource = dataSource;
        this.booked = Counter.builder("brokerage.settlements")
                .description("Settlements booked from OrderPlaced events, and repeats absorbed (by the inbox, or by"
                        + " the order's settlement row once the inbox's retention has forgotten the event)")
                .tag("result", "booked")
                .register(registry);
        this.duplicates = Counter.builder("brokerage.settlements")
                .tag("result", "duplicate")
                .register(registry);
    }

    /** Handles one received message (headers looked up by name, body); returns what the inbox did with it. */
    public Inbox.Result receive(Function<String, @Nullable String> header, byte[] body) throws Exception {
        Repeat repeat = new Repeat();
        Inbox.Result result = inbox.receive(header, body, (connection, event) -> book(connection, event, repeat));
        count(result, header.apply(OutboxHeaders.EVENT_TYPE), repeat.seen);
        return result;
    }

    /** One received message: its headers, looked up by name, and its body (passed on as received, never compared). */
    @SuppressWarnings("ArrayRecordComponent")
    public record Received(Function<String, @Nullable String> header, byte[] body) {}

    /**
     * Handles a batch of received messages (a Kafka poll) in one transaction: one commit for the batch instead of one
     * per message is what lets a consumer that fell behind (after an instance was killed) catch up. If any message
     * fails, the batch is rolled back and handled again one message per transaction, in order; a message that fails
     * again ends it with a {@link BatchFailure} naming its index: the messages before it are committed, it and the
     * rest are not (the listener's error handler retries from it). Results are counted once committed.
     */
    public List<Inbox.Result> receiveAll(List<Received> batch) throws BatchFailure {
        if (batch.size() > 1) {
            try {
                List<Repeat> repeats = new ArrayList<>(batch.size());
                List<Inbox.Result> results = inOneTransaction(batch, repeats);
                for (int i = 0; i < batch.size(); i++) {
                    inbox.count(results.get(i));
                    count(results.get(i), batch.get(i).header().apply(OutboxHeaders.EVENT_TYPE), repeats.get(i).seen);
                }
                return results;
            } catch (Exception e) {
                // rolled back: every message is handled again below, each on its own, so one bad message holds up
                // only itself (and an outage shows on the first)
            }
        }
        List<Inbox.Result> results = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            try {
                results.add(receive(batch.get(i).header(), batch.get(i).body()));
            } catch (Exception e) {
                throw new BatchFailure(i, e);
            }
        }
        return results;
    }

    private List<Inbox.Result> inOneTransaction(List<Received> batch, List<Repeat> repeats) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                List<Inbox.Result> results = new ArrayList<>(batch.size());
                for (Received message : batch) {
                    Repeat repeat = new Repeat();
                    repeats.add(repeat);
                    results.add(inbox.receive(
                            connection, message.header(), message.body(), (c, event) -> book(c, event, repeat)));
                }
                connection.commit();
                return results;
            } catch (Exception | Error e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
    }

    /** The message at {@link #index()} of a batch failed on its own; the messages before it are committed. */
    public static final class BatchFailure extends Exception {

        private static final long serialVersionUID = 1L;

        private final int index;

        BatchFailure(int index, Exception cause) {
            super("settlement of message " + index + " of the batch failed: " + cause, cause);
            this.index = index;
        }

        /** The position of the failed message in the batch. */
        public int index() {
            return index;
        }
    }

    /**
     * Called when the listener's retries ran out on a message: dead-lettered as {@code HANDLER_FAILED} with a CRITICAL
     * alert if its failure is not an outage; an outage's failure is thrown back, so the listener retries the message
     * until the database or network is back instead of dead-lettering good events; so is a dead letter that cannot be
     * written.
     */
    public void giveUp(Function<String, @Nullable String> header, byte[] body, Throwable failure) {
        Throwable cause = failure;
        // Spring wraps a listener's exception (ListenerExecutionFailedException): report what the handler threw
        while (cause.getCause() != null && cause.getClass().getName().startsWith("org.springframework.")) {
            cause = cause.getCause();
        }
        if (ExceptionClassifier.defaults().classify(cause) == ErrorCategory.INFRASTRUCTURE) {
            throw new IllegalStateException("settlement retries later: " + cause, cause);
        }
        try {
            inbox.giveUp(header, body, cause);
        } catch (SQLException e) {
            throw new IllegalStateException("settlement could not dead-letter the message, retries later: " + e, e);
        }
    }

    /**
     * Counts a booked settlement (an {@code OrderPlaced} processed) or a repeat of any event absorbed: by the inbox, or
     * ({@code repeat}) by the order's settlement row after the inbox had forgotten the event.
     */
    void count(Inbox.Result result, @Nullable String eventType, boolean repeat) {
        if (result == Inbox.Result.DUPLICATE || (result == Inbox.Result.PROCESSED && repeat)) {
            duplicates.increment();
        } else if (result == Inbox.Result.PROCESSED && "OrderPlaced".equals(eventType)) {
            booked.increment();
        }
    }

    /** Set by {@link #book} when the order was already settled by this very event. */
    static final class Repeat {
        boolean seen;
    }

    /** Books the settlement of an {@code OrderPlaced} event on the inbox's transaction; other events are ignored. */
    void book(Connection connection, OutboxMessage event, Repeat repeat) throws SQLException {
        if (!event.eventType().equals("OrderPlaced")) {
            return;
        }
        JsonNode order = json.readTree(event.payload());
        String orderId = order.get("orderId").asString();
        // The inbox forgets an event after its retention; a delivery later than that (a consumer far behind, a replay)
        // reaches this handler again. The order's own row is the safety net behind the inbox: booked by this very event
        // means done; booked by another event is an anomaly, and fails (the listener dead-letters it).
        try (PreparedStatement existing =
                connection.prepareStatement("SELECT event_id FROM settlement WHERE order_id = ?")) {
            existing.setString(1, orderId);
            try (ResultSet found = existing.executeQuery()) {
                if (found.next()) {
                    String bookedBy = found.getString(1);
                    if (event.eventId().equals(bookedBy)) {
                        repeat.seen = true;
                        return;
                    }
                    throw new IllegalStateException("order " + orderId + " is already settled by event " + bookedBy
                            + ", not by event " + event.eventId());
                }
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO settlement (order_id, account_id, event_id, settled_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, orderId);
            insert.setString(2, order.get("accountId").asString());
            insert.setString(3, event.eventId());
            insert.setTimestamp(4, Timestamp.from(Instant.now()));
            insert.executeUpdate();
        }
    }
}
