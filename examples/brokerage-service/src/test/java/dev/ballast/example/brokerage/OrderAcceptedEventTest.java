package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code brokerage.orders.accepted-event}: an order's aggregate gets {@code OrderAccepted} after {@code OrderPlaced}, in
 * the same transaction, and the HTTP contract is the same as without it.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "brokerage.orders.accepted-event=true")
class OrderAcceptedEventTest {

    private static final String BODY = "{\"accountId\": \"A-2\", \"symbol\": \"005930\", \"side\": \"BUY\","
            + " \"quantity\": 3, \"price\": \"71200.50\"}";
    private static final Pattern ORDER_ID = Pattern.compile("\"orderId\":\"([0-9a-f-]{36})\"");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private JdbcClient jdbc;

    @Test
    void anOrderGetsOrderAcceptedAfterOrderPlacedAndTheSameAnswer() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> placed = send(post(key));

        assertThat(placed.statusCode()).isEqualTo(201);
        String orderId = orderId(placed.body());
        assertThat(placed.body())
                .isEqualTo("{\"orderId\":\"" + orderId + "\",\"accountId\":\"A-2\",\"symbol\":\"005930\","
                        + "\"side\":\"BUY\",\"quantity\":3,\"price\":\"71200.50\",\"status\":\"PLACED\"}");
        assertThat(events(orderId)).containsExactly("1 OrderPlaced", "2 OrderAccepted");
        String accepted = jdbc.sql("SELECT payload FROM ballast_outbox WHERE aggregate_id = ? AND aggregate_seq = 2")
                .param(orderId)
                .query((row, n) -> new String(row.getBytes(1), StandardCharsets.UTF_8))
                .single();
        assertThat(accepted)
                .isEqualTo("{\"orderId\":\"" + orderId + "\",\"accountId\":\"A-2\",\"notional\":\"213601.50\"}");

        // both relayed in order through the inbox; the settlement is booked once, for OrderPlaced
        Eventually.within(Duration.ofSeconds(20), "both events published", () -> published(orderId) == 2);
        Eventually.within(Duration.ofSeconds(20), "settled", () -> settlements(orderId) == 1);

        HttpResponse<String> again = send(post(key));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(placed.body());
        assertThat(events(orderId)).hasSize(2);
        assertThat(settlements(orderId)).isEqualTo(1);
    }

    private List<String> events(String orderId) {
        return jdbc.sql("SELECT aggregate_seq, event_type FROM ballast_outbox WHERE aggregate_id = ?"
                        + " ORDER BY aggregate_seq")
                .param(orderId)
                .query((row, n) -> row.getLong(1) + " " + row.getString(2))
                .list();
    }

    private long published(String orderId) {
        return jdbc.sql("SELECT COUNT(*) FROM ballast_outbox WHERE aggregate_id = ? AND status = 'PUBLISHED'")
                .param(orderId)
                .query(Long.class)
                .single();
    }

    private long settlements(String orderId) {
        return jdbc.sql("SELECT COUNT(*) FROM settlement WHERE order_id = ?")
                .param(orderId)
                .query(Long.class)
                .single();
    }

    private static String orderId(String body) {
        Matcher matcher = ORDER_ID.matcher(body);
        assertThat(matcher.find()).as(body).isTrue();
        return matcher.group(1);
    }

    private HttpRequest post(String key) {
        return HttpRequest.newBuilder(uri("/api/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
