package dev.ballast.outbox.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.test.Eventually;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The Javadoc examples of {@code Outbox} do what their text says, on an in-memory H2 database. */
class OutboxSnippetsTest {

    @Test
    void anOrderAndItsEventCommitTogetherAndTheRelayPublishesEachEventOnceInOrder() throws SQLException {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:outbox-snippets;DB_CLOSE_DELAY=-1");
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE orders (id VARCHAR(64) PRIMARY KEY)");
        }
        Outbox.builder(dataSource).createSchema(true).build(); // what the Flyway migration does in a service

        Outbox outbox = OutboxSnippets.create(dataSource);
        List<OutboxMessage> published = new CopyOnWriteArrayList<>();
        try (OutboxRelay relay = OutboxSnippets.relay(outbox, published::add)) {
            OutboxSnippets.placeOrder(dataSource, outbox, "req-1", "O-1");
            OutboxSnippets.placeOrder(dataSource, outbox, "req-2", "O-2");

            Eventually.within(Duration.ofSeconds(10), "both events published", () -> published.size() >= 2);
            assertThat(published).extracting(OutboxMessage::aggregateId).containsExactly("O-1", "O-2");
            assertThat(published).extracting(OutboxMessage::eventType).containsOnly("OrderPlaced");
            assertThat(relay.isRunning()).isTrue();
        }
        assertThat(published).hasSize(2);
    }
}
