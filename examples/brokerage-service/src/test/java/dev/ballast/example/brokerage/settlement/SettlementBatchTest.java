package dev.ballast.example.brokerage.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.inbox.Inbox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Settlements#receiveAll}, the Kafka listener's batch path, on a real (embedded H2) database with genuine
 * outbox messages (appended through the outbox, hashed, published by its relay): a batch is booked in one transaction,
 * and a message that cannot be booked fails alone, by index, with the messages before it booked once.
 */
class SettlementBatchTest {

    private final JdbcDataSource database = new JdbcDataSource();
    private final List<OutboxMessage> published = new CopyOnWriteArrayList<>();
    private Settlements settlements;
    private SimpleMeterRegistry meters;

    @BeforeEach
    void setUp() throws Exception {
        database.setURL("jdbc:h2:mem:settlement-batch-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (Connection connection = database.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE settlement (order_id VARCHAR(36) NOT NULL PRIMARY KEY, account_id"
                    + " VARCHAR(16) NOT NULL, event_id CHAR(36) NOT NULL, settled_at TIMESTAMP NOT NULL)");
        }
        meters = new SimpleMeterRegistry();
        Inbox inbox = Inbox.builder(database, "settlement").createSchema(true).build();
        settlements = new Settlements(inbox, database, meters);
    }

    @Test
    void aBatchIsBookedAndARepeatInsideTheSameBatchIsAbsorbed() throws Exception {
        List<OutboxMessage> orders = deliver(order("O-1"), order("O-2"));

        List<Inbox.Result> results = settlements.receiveAll(received(orders.get(0), orders.get(1), orders.get(0)));

        assertThat(results).containsExactly(Inbox.Result.PROCESSED, Inbox.Result.PROCESSED, Inbox.Result.DUPLICATE);
        assertThat(settlementsOf("O-1")).isEqualTo(1);
        assertThat(settlementsOf("O-2")).isEqualTo(1);
        assertThat(counted("booked")).isEqualTo(2);
        assertThat(counted("duplicate")).isEqualTo(1);
    }

    @Test
    void aMessageThatCannotBeBookedFailsAloneByIndexAndTheMessagesBeforeItAreBookedOnce() throws Exception {
        List<OutboxMessage> messages = deliver(order("O-1"), poison("P-1"), order("O-2"));

        assertThatThrownBy(() -> settlements.receiveAll(received(messages.get(0), messages.get(1), messages.get(2))))
                .isInstanceOfSatisfying(Settlements.BatchFailure.class, failure -> assertThat(failure.index())
                        .isEqualTo(1))
                .hasCauseInstanceOf(NullPointerException.class);
        assertThat(settlementsOf("O-1")).as("before the failed message: booked").isEqualTo(1);
        assertThat(settlementsOf("O-2"))
                .as("after it: not yet, delivered again")
                .isZero();

        // the broker delivers again from the failed message; the listener gives up on it, then the rest settles
        assertThat(settlements.receiveAll(received(messages.get(2)))).containsExactly(Inbox.Result.PROCESSED);
        assertThat(settlements.receiveAll(received(messages.get(0)))).containsExactly(Inbox.Result.DUPLICATE);
        assertThat(settlementsOf("O-1")).isEqualTo(1);
        assertThat(settlementsOf("O-2")).isEqualTo(1);
        assertThat(counted("booked")).isEqualTo(2);
    }

    @Test
    void anEventDeliveredAgainAfterTheInboxRetentionForgotItIsAbsorbedByTheOrdersSettlementRow() throws Exception {
        List<OutboxMessage> orders = deliver(order("O-1"), order("O-2"), order("O-3"));
        settlements.receiveAll(received(orders.get(0), orders.get(1)));
        settlements.receiveAll(received(orders.get(2)));
        forgetEverythingTheInboxKnows();

        // delivered again later than the retention: a consumer far behind after a kill, or a replay
        assertThat(settlements.receiveAll(received(orders.get(0), orders.get(1))))
                .containsExactly(Inbox.Result.PROCESSED, Inbox.Result.PROCESSED);
        assertThat(settlements.receive(
                        OutboxHeaders.of(orders.get(2))::get, orders.get(2).payload()))
                .isEqualTo(Inbox.Result.PROCESSED);

        assertThat(settlementsOf("O-1")).isEqualTo(1);
        assertThat(settlementsOf("O-2")).isEqualTo(1);
        assertThat(settlementsOf("O-3")).isEqualTo(1);
        assertThat(counted("booked")).isEqualTo(3);
        assertThat(counted("duplicate")).as("absorbed by the settlement rows").isEqualTo(3);
    }

    @Test
    void aSecondEventForAnOrderThatAnotherEventSettledFailsNamingBoth() throws Exception {
        List<OutboxMessage> first = deliver(order("O-1"));
        settlements.receiveAll(received(first.get(0)));
        published.clear();
        OutboxMessage second = deliver(orderPlaced("O-1", "{\"orderId\":\"O-1\",\"accountId\":\"A-2\"}", "r-again"))
                .get(0);

        assertThatThrownBy(() -> settlements.receiveAll(received(second)))
                .isInstanceOfSatisfying(Settlements.BatchFailure.class, failure -> assertThat(failure.index())
                        .isZero())
                .hasMessageContaining(
                        "order O-1 is already settled by event " + first.get(0).eventId())
                .hasMessageContaining("not by event " + second.eventId());
        assertThat(settlementsOf("O-1")).isEqualTo(1);
    }

    /** The inbox's own purge, run as if its 14-day retention had passed. */
    private void forgetEverythingTheInboxKnows() throws SQLException {
        Inbox later = Inbox.builder(database, "settlement")
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofDays(15)))
                .build();
        assertThat(later.purgeExpired()).isPositive();
    }

    private List<OutboxMessage> deliver(OutboxEvent... events) throws Exception {
        Outbox outbox = Outbox.builder(database).createSchema(true).build();
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            for (OutboxEvent event : events) {
                outbox.append(connection, event);
            }
            connection.commit();
        }
        OutboxPublisher capture = OutboxPublisher.inProcess(published::add);
        try (OutboxRelay relay = outbox.relay(capture).build()) {
            relay.drain();
        }
        assertThat(published).hasSize(events.length);
        return List.copyOf(published);
    }

    private static List<Settlements.Received> received(OutboxMessage... messages) {
        return java.util.Arrays.stream(messages)
                .map(message -> new Settlements.Received(OutboxHeaders.of(message)::get, message.payload()))
                .toList();
    }

    private static OutboxEvent order(String orderId) {
        return orderPlaced(orderId, "{\"orderId\":\"" + orderId + "\",\"accountId\":\"A-1\"}");
    }

    /** A genuine OrderPlaced event without an accountId: the settlement cannot book it. */
    private static OutboxEvent poison(String orderId) {
        return orderPlaced(orderId, "{\"orderId\":\"" + orderId + "\"}");
    }

    private static OutboxEvent orderPlaced(String orderId, String json) {
        return orderPlaced(orderId, json, "r-" + orderId);
    }

    private static OutboxEvent orderPlaced(String orderId, String json, String requestId) {
        return OutboxEvent.of(requestId, "Order", orderId, "OrderPlaced", json.getBytes(StandardCharsets.UTF_8));
    }

    private long settlementsOf(String orderId) throws SQLException {
        try (Connection connection = database.getConnection();
                var statement = connection.prepareStatement("SELECT COUNT(*) FROM settlement WHERE order_id = ?")) {
            statement.setString(1, orderId);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private double counted(String result) {
        return meters.get("brokerage.settlements")
                .tag("result", result)
                .counter()
                .count();
    }
}
