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
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.function.Function;
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
    private final JsonMapper json = JsonMapper.builder().build();
    private final Counter booked;
    private final Counter duplicates;

    Settlements(Inbox inbox, MeterRegistry registry) {
        this.inbox = inbox;
        this.booked = Counter.builder("brokerage.settlements")
                .description("Settlements booked from OrderPlaced events, and repeats absorbed by the inbox")
                .tag("result", "booked")
                .register(registry);
        this.duplicates = Counter.builder("brokerage.settlements")
                .tag("result", "duplicate")
                .register(registry);
    }

    /** Handles one received message (headers looked up by name, body); returns what the inbox did with it. */
    public Inbox.Result receive(Function<String, @Nullable String> header, byte[] body) throws Exception {
        Inbox.Result result = inbox.receive(header, body, this::book);
        count(result, header.apply(OutboxHeaders.EVENT_TYPE));
        return result;
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

    /** Counts a booked settlement (an {@code OrderPlaced} processed) or a repeat of any event absorbed. */
    void count(Inbox.Result result, @Nullable String eventType) {
        if (result == Inbox.Result.PROCESSED && "OrderPlaced".equals(eventType)) {
            booked.increment();
        } else if (result == Inbox.Result.DUPLICATE) {
            duplicates.increment();
        }
    }

    /** Books the settlement of an {@code OrderPlaced} event on the inbox's transaction; other events are ignored. */
    void book(Connection connection, OutboxMessage event) throws SQLException {
        if (!event.eventType().equals("OrderPlaced")) {
            return;
        }
        JsonNode order = json.readTree(event.payload());
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO settlement (order_id, account_id, event_id, settled_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, order.get("orderId").asString());
            insert.setString(2, order.get("accountId").asString());
            insert.setString(3, event.eventId());
            insert.setTimestamp(4, Timestamp.from(Instant.now()));
            insert.executeUpdate();
        }
    }
}
