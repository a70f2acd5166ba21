package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.test.LogCapture;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/** {@code brokerage.quotes.cache=off}: the load test's baseline, where every quote goes to the upstream. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"brokerage.quotes.cache=off", "spring.datasource.url=jdbc:h2:mem:quotes-off;DB_CLOSE_DELAY=-1"})
class QuoteCacheOffTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @RegisterExtension
    final LogCapture boot = LogCapture.of("org.springframework.boot");

    @Autowired
    private Environment environment;

    @Autowired
    private MeterRegistry registry;

    @Test
    void withTheCacheOffEveryQuoteCallsTheUpstream() throws Exception {
        double before = registry.get("brokerage.marketdata.calls").counter().count();

        for (int i = 0; i < 3; i++) {
            assertThat(get("/api/quotes/MSFT").statusCode()).isEqualTo(200);
        }

        assertThat(registry.get("brokerage.marketdata.calls").counter().count() - before)
                .isEqualTo(3);
    }

    @Test
    void anUnknownCacheModeFailsStartUpNamingTheProperty() {
        SpringApplication app = new SpringApplication(BrokerageApplication.class);
        assertThatThrownBy(() -> app.run(
                        "--server.port=0",
                        "--spring.datasource.url=jdbc:h2:mem:quotes-bad;DB_CLOSE_DELAY=-1",
                        "--brokerage.quotes.cache=redis-only"))
                .hasRootCauseMessage(
                        "brokerage.quotes.cache must be 'tiered', 'off', 'spring-redis' or 'ballast-cacheable', was 'redis-only'");
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
        return http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
