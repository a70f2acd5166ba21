package dev.ballast.example.brokerage.overload;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.ballast.test.LogCapture;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/**
 * A request that cannot get a database connection within {@code connection-timeout} is a 503 {@code UNAVAILABLE}
 * problem with {@code Retry-After}, never a 500; the application's pool (start-up needs a few at once) is held by the test.
 * It is overload, not a fault: no ERROR line and no stack trace, one WARN line from the tasks (one per 10 s for all of
 * them, see {@code PoolTimeoutLogTest} in ballast-core for the window), and each counted by Hikari.
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

    @RegisterExtension
    final LogCapture taskLogs = LogCapture.of("ballast.task");

    @RegisterExtension
    final LogCapture ballastLogs = LogCapture.of("dev.ballast");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private MeterRegistry registry;

    @Test
    void aRequestThatGetsNoConnectionIsA503ProblemWithRetryAfter() throws Exception {
        double timeoutsBefore = poolTimeouts();
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
        assertThat(poolTimeouts() - timeoutsBefore)
                .as("each request's pool timeout counted in hikaricp.connections.timeout")
                .isGreaterThanOrEqualTo(2);
        assertThat(taskLogs.eventsAtLeast(Level.WARN).stream()
                        .filter(event -> event.getFormattedMessage().contains("connection pool")))
                .as("one WARN line without a stack trace for both pool timeouts")
                .singleElement()
                .satisfies(event -> {
                    assertThat(event.getLevel()).isEqualTo(Level.WARN);
                    assertThat(event.getThrowableProxy()).isNull();
                    assertThat(event.getFormattedMessage())
                            .contains("the connection pool gave no connection in time (overload)")
                            .contains("SQLTransientConnectionException");
                });
        assertThat(taskLogs.eventsAtLeast(Level.ERROR)).isEmpty();
        assertThat(ballastLogs.eventsAtLeast(Level.ERROR)).isEmpty();
        assertThat(http.send(request("/api/accounts/A-1").GET().build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .as("served again once a connection is free")
                .isEqualTo(200);
    }

    private double poolTimeouts() {
        return registry.find("hikaricp.connections.timeout").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(
                        URI.create("http://localhost:" + environment.getProperty("local.server.port") + path))
                .timeout(Duration.ofSeconds(30));
    }
}
