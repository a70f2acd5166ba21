package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * With Ballast's DEGRADED mapping in place, an instance that is DOWN still answers 503 on {@code /actuator/health}:
 * Boot replaces its default status mappings with any configured one, so the starter states DOWN and OUT_OF_SERVICE too
 * (a black-box check found DOWN answering 200, which no load balancer would take out of rotation).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"management.endpoints.web.exposure.include=health", "ballast.lock.backend=JDBC"})
class DownHealthHttpTest {

    @LocalServerPort
    int port;

    @TestConfiguration
    static class FailingDependency {
        @Bean
        HealthIndicator paymentsGateway() {
            return () -> Health.down()
                    .withDetail("reason", "test: the gateway refuses connections")
                    .build();
        }
    }

    @Test
    void aDownInstanceAnswers503NotTheDegradedMappings200() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(health.body()).contains("\"status\":\"DOWN\"");
        assertThat(health.statusCode()).isEqualTo(503);
    }
}
