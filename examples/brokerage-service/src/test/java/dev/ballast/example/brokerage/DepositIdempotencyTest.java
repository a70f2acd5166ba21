package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * Issue 15 item 13 (deposits): an optional {@code Idempotency-Key} makes a retried deposit apply once. Over HTTP
 * against the running example, and against a second instance of it sharing the same database (the embedded H2
 * database of this JVM, by name), so a retry that lands on the other instance while the first is in flight is
 * covered too.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DepositIdempotencyTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    private int port() {
        return Integer.parseInt(environment.getProperty("local.server.port"));
    }

    @Test
    void aRepeatedKeyReturnsTheFirstOutcomeAndCreditsOnce() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = send(deposit(port(), "A-31", "{\"amount\": \"10.00\"}", key));
        HttpResponse<String> again = send(deposit(port(), "A-31", "{\"amount\": \"10.0\"}", key));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("{\"accountId\":\"A-31\",\"balance\":\"10.00\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(balance("A-31")).isEqualTo("10.00");
    }

    @Test
    void theKeyWithAnotherAmountOrAccountIs409AndChangesNothing() throws Exception {
        String key = UUID.randomUUID().toString();
        send(deposit(port(), "A-32", "{\"amount\": \"10.00\"}", key));

        HttpResponse<String> otherAmount = send(deposit(port(), "A-32", "{\"amount\": \"11.00\"}", key));
        HttpResponse<String> otherAccount = send(deposit(port(), "A-33", "{\"amount\": \"10.00\"}", key));

        for (HttpResponse<String> conflict : List.of(otherAmount, otherAccount)) {
            assertThat(conflict.statusCode()).isEqualTo(409);
            assertThat(conflict.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(conflict.body()).contains("\"code\":\"IDEMPOTENCY_CONFLICT\"");
        }
        assertThat(balance("A-32")).isEqualTo("10.00");
        assertThat(balance("A-33")).isEqualTo("0.00");
    }

    @Test
    void withoutAKeyEveryDepositApplies() throws Exception {
        send(deposit(port(), "A-34", "{\"amount\": \"1.00\"}", null));
        send(deposit(port(), "A-34", "{\"amount\": \"1.00\"}", null));

        assertThat(balance("A-34")).isEqualTo("2.00");
        HttpResponse<String> badKey = send(deposit(port(), "A-34", "{\"amount\": \"1.00\"}", "k".repeat(201)));
        assertThat(badKey.statusCode()).isEqualTo(400);
        // the header is optional here: an empty one is malformed, not missing (a black-box run read "is required")
        HttpResponse<String> emptyKey = send(deposit(port(), "A-34", "{\"amount\": \"1.00\"}", ""));
        assertThat(emptyKey.statusCode()).isEqualTo(400);
        assertThat(emptyKey.body())
                .contains("the Idempotency-Key header is empty; it must be 1 to 200 visible ASCII characters")
                .doesNotContain("required");
        // each malformed key is told what is wrong with it, without echoing it
        HttpResponse<String> spaced = send(deposit(port(), "A-34", "{\"amount\": \"1.00\"}", "key with-space"));
        assertThat(spaced.statusCode()).isEqualTo(400);
        assertThat(spaced.body()).contains("has a space at index 3").doesNotContain("with-space");
        HttpResponse<String> tabbed = send(deposit(port(), "A-34", "{\"amount\": \"1.00\"}", "key\twith-tab"));
        assertThat(tabbed.statusCode()).isEqualTo(400);
        assertThat(tabbed.body()).contains("has a control character at index 3");
        assertThat(balance("A-34")).isEqualTo("2.00");
    }

    @Test
    void theSameKeyRacingOnTwoInstancesCreditsOnce() throws Exception {
        try (ConfigurableApplicationContext other = new SpringApplicationBuilder(BrokerageApplication.class)
                .run("--server.port=0", "--spring.main.banner-mode=off")) {
            int otherPort = Integer.parseInt(other.getEnvironment().getProperty("local.server.port"));
            for (int round = 0; round < 5; round++) {
                String key = UUID.randomUUID().toString();
                List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int target = i % 2 == 0 ? port() : otherPort;
                    inFlight.add(http.sendAsync(
                            deposit(target, "A-35", "{\"amount\": \"2.50\"}", key),
                            HttpResponse.BodyHandlers.ofString()));
                }
                List<String> bodies = new ArrayList<>();
                for (CompletableFuture<HttpResponse<String>> response : inFlight) {
                    assertThat(response.get().statusCode())
                            .as(response.get().body())
                            .isEqualTo(200);
                    bodies.add(response.get().body());
                }
                String expected = String.format("%.2f", 2.5 * (round + 1));
                assertThat(bodies).containsOnly("{\"accountId\":\"A-35\",\"balance\":\"" + expected + "\"}");
                assertThat(balance("A-35")).isEqualTo(expected);
            }
        }
    }

    private String balance(String account) throws Exception {
        HttpResponse<String> response =
                send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/api/accounts/" + account))
                        .build());
        return response.body().replaceAll(".*\"balance\":\"([0-9.]+)\".*", "$1");
    }

    private HttpRequest deposit(int port, String account, String body, String key) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/accounts/" + account + "/deposits"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            builder.header("Idempotency-Key", key);
        }
        return builder.build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
