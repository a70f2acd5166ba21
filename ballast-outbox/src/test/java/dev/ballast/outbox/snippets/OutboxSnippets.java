package dev.ballast.outbox.snippets;

import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The examples {@code Outbox}'s Javadoc shows ({@code {@snippet class=... region=...}}): compiled with the tests and
 * run by {@link OutboxSnippetsTest} on a real database, so a snippet that stops compiling or working fails the build.
 */
final class OutboxSnippets {

    static Outbox create(DataSource dataSource) {
        // @start region="create"
        Outbox outbox = Outbox.builder(dataSource).build(); // tables from db/ballast/outbox/<database> (Flyway)
        // @end
        return outbox;
    }

    static OutboxRelay relay(Outbox outbox, Consumer<OutboxMessage> handler) {
        // @start region="relay"
        OutboxRelay relay =
                outbox.relay(OutboxPublisher.inProcess(handler)).build().start();
        // @end
        return relay;
    }

    static void placeOrder(DataSource dataSource, Outbox outbox, String requestId, String orderId) throws SQLException {
        // @start region="append"
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO orders (id) VALUES (?)")) {
                insert.setString(1, orderId);
                insert.executeUpdate();
            }
            byte[] payload = ("{\"orderId\":\"" + orderId + "\"}").getBytes(StandardCharsets.UTF_8);
            outbox.append(connection, OutboxEvent.of(requestId, "Order", orderId, "OrderPlaced", payload));
            connection.commit(); // the order and its event, or neither
        }
        outbox.afterCommit(); // optional: publish now instead of at the relay's next poll
        // @end
    }
}
