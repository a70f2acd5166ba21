package dev.ballast.example.brokerage.quote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.example.brokerage.BrokerageApplication;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code brokerage.marketdata.url} set: quotes come from an HTTP upstream (a stub), with the quote API unchanged, and a
 * sick upstream is a 503 problem with {@code Retry-After}, never a 500.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:quotes-http;DB_CLOSE_DELAY=-1",
            "brokerage.marketdata.request-timeout=500ms",
            "brokerage.marketdata.failure-backoff=1m",
            "brokerage.marketdata.retries-per-second=0"
        })
class QuoteHttpUpstreamTest {

    private static final UpstreamStub UPSTREAM = startStub();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private MeterRegistry registry;

    @Autowired
    private ApplicationContext context;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry properties) {
        properties.add("brokerage.marketdata.url", UPSTREAM::url);
    }

    @AfterAll
    static void stopStub() {
        UPSTREAM.close();
    }

    @Test
    void aQuoteComesFromTheHttpUpstreamWithTheSameContractAndIsCounted() throws Exception {
        double before = registry.get("brokerage.marketdata.calls").counter().count();
        int upstreamBefore = UPSTREAM.calls();

        HttpResponse<String> first = get("/api/quotes/AAPL");
        HttpResponse<String> second = get("/api/quotes/AAPL");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body())
                .isEqualTo("{\"symbol\":\"AAPL\",\"price\":\"123.40\",\"asOf\":\"2026-11-30T09:15:00Z\"}");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(UPSTREAM.calls() - upstreamBefore).isEqualTo(1);
        assertThat(registry.get("brokerage.marketdata.calls").counter().count() - before)
                .isEqualTo(1);
    }

    @Test
    void aFailingUpstreamIsARetryable503ProblemAndTheSymbolIsNotAskedForAgainWithinTheBackoff() throws Exception {
        UPSTREAM.answer(500);
        try {
            int upstreamBefore = UPSTREAM.calls();

            HttpResponse<String> first = get("/api/quotes/MSFT");
            HttpResponse<String> second = get("/api/quotes/MSFT");

            for (HttpResponse<String> answer : java.util.List.of(first, second)) {
                assertThat(answer.statusCode()).isEqualTo(503);
                assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(answer.headers().firstValue("Retry-After")).isPresent();
                assertThat(answer.body()).contains("\"code\":\"UNAVAILABLE\"");
            }
            assertThat(UPSTREAM.calls() - upstreamBefore).isEqualTo(1);
        } finally {
            UPSTREAM.answer(200);
        }
    }

    @Test
    void aSlowUpstreamIsA503WithinTheRequestTimeout() throws Exception {
        UPSTREAM.delay(Duration.ofSeconds(3));
        try {
            long start = System.nanoTime();

            HttpResponse<String> answer = get("/api/quotes/035420");

            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(answer.body()).contains("\"code\":\"UNAVAILABLE\"");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
        } finally {
            UPSTREAM.delay(Duration.ZERO);
        }
    }

    @Test
    void theBulkheadIsInTheExecutorMetersUnderItsBeanNameAndSpringBootKeepsItsTaskExecutor() {
        assertThat(registry.get("executor.pool.max")
                        .tag("name", MarketDataHttpConfiguration.BULKHEAD)
                        .gauge()
                        .value())
                .isEqualTo(4);
        assertThat(registry.get("executor.active")
                        .tag("name", MarketDataHttpConfiguration.BULKHEAD)
                        .gauge())
                .isNotNull();
        assertThat(context.getBean(MarketDataHttpConfiguration.BULKHEAD))
                .isInstanceOf(java.util.concurrent.ThreadPoolExecutor.class);
        assertThat(context.containsBean("applicationTaskExecutor")).isTrue();
    }

    @Test
    void aMarketDataUrlThatIsNoHttpUrlFailsStartUpNamingTheProperty() {
        SpringApplication app = new SpringApplication(BrokerageApplication.class);
        assertThatThrownBy(() -> app.run(
                        "--server.port=0",
                        "--spring.datasource.url=jdbc:h2:mem:quotes-bad-url;DB_CLOSE_DELAY=-1",
                        "--brokerage.marketdata.url=ftp://prices.example"))
                .hasRootCauseMessage("brokerage.marketdata.url must be an http(s) URL, was 'ftp://prices.example'");
    }

    private static UpstreamStub startStub() {
        try {
            return UpstreamStub.start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
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
