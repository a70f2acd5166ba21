package dev.ballast.example.brokerage.overload;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/**
 * A request that cannot get a database connection within {@code connection-timeout} is a 503 {@code UNAVAILABLE}
 * problem with {@code Retry-After}, never a 500; the application's pool (start-up needs a few at once) is held by the test.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:pool-exhausted;DB_CLOSE_DELAY=-1",
            "spring.datasource.hikari.maximum-pool-size=" + PoolExhaustedTest.POOL,
            "spring.datasource.hikari.connection-timeout=500",
            "brokerage.overload.max-in-progress=4"
        })
class PoolExhaustedTest {

    static final int POOL = 5;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private DataSource dataSource;

    @Test
    void aRequestThatGetsNoConnectionIsA503ProblemWithRetryAfter() throws Exception {
        HttpResponse<String> read;
        HttpResponse<String> order;
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < POOL; i++) {
                held.add(dataSource.getConnection());
            }
            read = http.send(request("/api/accounts/A-1").GET().build(), HttpResponse.BodyHandlers.ofString());
            order = http.send(
                    request("/api/orders")
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", "pool-exhausted-1")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"accountId\": \"A-1\", \"symbol\": \"005930\","
                                    + " \"side\": \"BUY\", \"quantity\": 1, \"price\": \"71200.00\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } finally {
            for (Connection connection : held) {
                connection.close();
            }
        }

        for (HttpResponse<String> answer : List.of(read, order)) {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
            assertThat(answer.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(answer.headers().firstValue("Retry-After")).isPresent();
            assertThat(answer.body()).contains("\"code\":\"UNAVAILABLE\"");
        }
        assertThat(http.send(request("/api/accounts/A-1").GET().build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .as("served again once a connection is free")
                .isEqualTo(200);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(
                        URI.create("http://localhost:" + environment.getProperty("local.server.port") + path))
                .timeout(Duration.ofSeconds(30));
    }
}
