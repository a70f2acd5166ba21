package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.ballast.test.LogCapture;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Issue 16 (F4) over HTTP: with {@code ballast.lock.backend=REDIS} and Redis on a port nothing listens on, the app
 * starts (before the fix, a RedisConnectionException stopped it); a {@code @DistributedLock} call answers 503
 * problem details with a {@code code}, never 500; health shows the lock DOWN and the cache DEGRADED.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always",
            "ballast.cache.caches.prices.value-type=java.math.BigDecimal",
            "ballast.lock.backend=REDIS",
            "spring.data.redis.host=127.0.0.1"
        })
class RedisDownAtStartupHttpTest {

    private static final HttpClient http = HttpClient.newHttpClient();

    /** The failed lock call and the breaker are logged as warnings: kept off the console. */
    @RegisterExtension
    final LogCapture logs = LogCapture.of("dev.ballast");

    /** The task's failure line (ERROR with its stack trace: an infrastructure failure), kept off the console too. */
    @RegisterExtension
    final LogCapture taskLogs = LogCapture.of("ballast.task");

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void closedRedisPort(DynamicPropertyRegistry registry) throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        registry.add("spring.data.redis.port", () -> closed);
    }

    @TestConfiguration
    static class Endpoint {
        @Bean
        TradesController tradesController(TradeService trades) {
            return new TradesController(trades);
        }
    }

    @RestController
    static class TradesController {
        private final TradeService trades;

        TradesController(TradeService trades) {
            this.trades = trades;
        }

        @PostMapping("/trades/{id}")
        String book(@PathVariable String id) {
            trades.book(id, "A-1", new BigDecimal("10.00"));
            return id;
        }
    }

    @Test
    void theAppStartsWithoutRedisALockedCallAnswers503AndHealthShowsTheLockDown() throws Exception {
        HttpResponse<String> booked = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/trades/T-1"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(booked.statusCode()).as(booked.body()).isEqualTo(503);
        assertThat(booked.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat((String) JsonPath.read(booked.body(), "$.code")).isEqualTo("UNAVAILABLE");

        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String ballast = "$.components.ballast.components.";
        assertThat((String) JsonPath.read(health.body(), ballast + "lock.status"))
                .isEqualTo("DOWN");
        assertThat((String) JsonPath.read(health.body(), ballast + "cache.components.prices.status"))
                .isEqualTo("DEGRADED");
        assertThat((String) JsonPath.read(health.body(), ballast + "cache.components.prices.details.l2"))
                .isEqualTo("breaker_open");
    }
}
