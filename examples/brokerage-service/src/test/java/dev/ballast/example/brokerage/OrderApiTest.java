package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.example.brokerage.idempotency.IdempotencyKeys;
import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The orders contract of issue 5: idempotent order placement with its OrderPlaced event in one transaction. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrderApiTest {

    private static final String BODY = "{\"accountId\": \"A-1\", \"symbol\": \"005930\", \"side\": \"BUY\","
            + " \"quantity\": 10, \"price\": \"71200.00\"}";
    private static final Pattern ORDER_ID = Pattern.compile("\"orderId\":\"([0-9a-f-]{36})\"");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private MeterRegistry registry;

    @Test
    void aNewOrderIs201AndCanBeRead() throws Exception {
        HttpResponse<String> placed = send(post(UUID.randomUUID().toString(), BODY));

        assertThat(placed.statusCode()).isEqualTo(201);
        String orderId = orderId(placed.body());
        assertThat(placed.headers().firstValue("Location")).hasValue("/api/orders/" + orderId);
        assertThat(placed.body())
                .isEqualTo("{\"orderId\":\"" + orderId + "\",\"accountId\":\"A-1\",\"symbol\":\"005930\","
                        + "\"side\":\"BUY\",\"quantity\":10,\"price\":\"71200.00\",\"status\":\"PLACED\"}");
        // the embedded default settles in-process through the inbox; a read shows it once booked
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> send(get("/api/orders/" + orderId)).body().contains("\"settled\":true"));
        HttpResponse<String> read = send(get("/api/orders/" + orderId));
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body())
                .isEqualTo(placed.body().substring(0, placed.body().length() - 1) + ",\"settled\":true}");
    }

    @Test
    void theSameKeyAgainReturnsTheSameOrderWith200AndWritesNothing() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = send(post(key, BODY));
        HttpResponse<String> again = send(post(key, BODY));

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(rows("orders", key)).isEqualTo(1);
        assertThat(outboxRows(key)).isEqualTo(1);
    }

    @Test
    void aRepeatAfterTheRequestIdWasPurgedIsStillAnsweredFromTheOrder() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = send(post(key, BODY));
        // what housekeeping does once ballast.outbox.relay.request-retention has passed
        jdbc.sql("DELETE FROM ballast_outbox_request WHERE request_id = ?")
                .param(IdempotencyKeys.requestId("order", key))
                .update();

        HttpResponse<String> again = send(post(key, BODY));
        HttpResponse<String> other = send(post(key, BODY.replace("\"quantity\": 10", "\"quantity\": 11")));

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(other.body()).contains("\"code\":\"IDEMPOTENCY_CONFLICT\"");
        assertThat(rows("orders", key)).isEqualTo(1);
        assertThat(outboxRows(key)).isEqualTo(1);
    }

    @Test
    void racingRequestsWithOneKeyCreateOneOrder() throws Exception {
        String key = UUID.randomUUID().toString();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            inFlight.add(http.sendAsync(post(key, BODY), HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : inFlight) {
            statuses.add(response.get().statusCode());
            ids.add(orderId(response.get().body()));
        }

        assertThat(statuses)
                .containsOnly(201, 200)
                .filteredOn(status -> status == 201)
                .hasSize(1);
        assertThat(ids).containsOnly(ids.getFirst());
        assertThat(rows("orders", key)).isEqualTo(1);
        assertThat(outboxRows(key)).isEqualTo(1);
    }

    @Test
    void theSameKeyWithAnotherBodyIs409AndWritesNothing() throws Exception {
        String key = UUID.randomUUID().toString();
        send(post(key, BODY));
        HttpResponse<String> conflict = send(post(key, BODY.replace("\"quantity\": 10", "\"quantity\": 11")));

        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(rows("orders", key)).isEqualTo(1);
        assertThat(outboxRows(key)).isEqualTo(1);
    }

    @Test
    void aMissingKeyOrAnInvalidBodyIs400ProblemDetails() throws Exception {
        HttpResponse<String> noKey = send(HttpRequest.newBuilder(uri("/api/orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build());
        assertThat(noKey.statusCode()).isEqualTo(400);
        assertThat(noKey.body()).contains("Idempotency-Key");
        for (String body : List.of(
                BODY.replace("\"BUY\"", "\"HOLD\""),
                BODY.replace("\"quantity\": 10", "\"quantity\": 0"),
                BODY.replace("\"quantity\": 10", "\"quantity\": 1.5"),
                BODY.replace("\"71200.00\"", "\"abc\""),
                BODY.replace("\"71200.00\"", "\"-1.00\""),
                BODY.replace("\"A-1\"", "\"A-999\""),
                BODY.replace("\"005930\"", "\"bad symbol\""),
                "{}",
                "not json")) {
            String key = UUID.randomUUID().toString();
            HttpResponse<String> response = send(post(key, body));
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).as(body).hasValue("application/problem+json");
            assertThat(rows("orders", key)).as(body).isZero();
        }
    }

    /** Issue 15 item 15: keys of 195 to 200 characters were a 500 (the outbox request id overflowed). */
    @Test
    void everyKeyTheApiAcceptsWorksEndToEnd() throws Exception {
        StringBuilder visible = new StringBuilder();
        for (char c = 0x21; c <= 0x7e; c++) {
            visible.append(c);
        }
        String unique = UUID.randomUUID().toString().replace("-", "");
        for (int length = 195; length <= 200; length++) {
            String key = (unique + visible + visible).substring(0, length);
            HttpResponse<String> placed = send(post(key, BODY));
            assertThat(placed.statusCode()).as("key of %d characters", length).isEqualTo(201);
            HttpResponse<String> again = send(post(key, BODY));
            assertThat(again.statusCode())
                    .as("repeat, key of %d characters", length)
                    .isEqualTo(200);
            assertThat(again.body()).isEqualTo(placed.body());
            assertThat(rows("orders", key)).isEqualTo(1);
            assertThat(outboxRows(key)).isEqualTo(1);
            unique = UUID.randomUUID().toString().replace("-", "");
        }
        HttpResponse<String> tooLong = send(post("k".repeat(201), BODY));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body())
                .contains(
                        "the Idempotency-Key header is 201 characters long; it must be 1 to 200 visible ASCII characters");
    }

    @Test
    void anUnknownOrderIs404() throws Exception {
        assertThat(send(get("/api/orders/" + UUID.randomUUID())).statusCode()).isEqualTo(404);
    }

    @Test
    void theOrderPlacedEventIsRelayedAfterCommit() throws Exception {
        double before = received();
        assertThat(send(post(UUID.randomUUID().toString(), BODY)).statusCode()).isEqualTo(201);

        Eventually.within(Duration.ofSeconds(20), "OrderPlaced relayed", () -> received() >= before + 1);
    }

    private double received() {
        var counter = registry.find("brokerage.outbox.received")
                .tag("type", "OrderPlaced")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private long rows(String table, String key) {
        return jdbc.sql("SELECT COUNT(*) FROM " + table + " WHERE idempotency_key = ?")
                .param(key)
                .query(Long.class)
                .single();
    }

    private long outboxRows(String key) {
        return jdbc.sql("SELECT COUNT(*) FROM ballast_outbox WHERE request_id = ?")
                .param(IdempotencyKeys.requestId("order", key))
                .query(Long.class)
                .single();
    }

    private static String orderId(String body) {
        Matcher matcher = ORDER_ID.matcher(body);
        assertThat(matcher.find()).as(body).isTrue();
        return matcher.group(1);
    }

    private HttpRequest post(String key, String body) {
        return HttpRequest.newBuilder(uri("/api/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(uri(path)).GET().build();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
