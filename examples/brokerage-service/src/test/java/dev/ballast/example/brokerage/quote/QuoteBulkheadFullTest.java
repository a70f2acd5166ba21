package dev.ballast.example.brokerage.quote;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A full market-data bulkhead (1 thread, 1 queued call, the cache off so every quote calls the upstream) answers the
 * surplus at once with a 503 {@code UNAVAILABLE} problem and {@code Retry-After}, never a 500.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:quotes-bulkhead;DB_CLOSE_DELAY=-1",
            "brokerage.quotes.cache=off",
            "brokerage.marketdata.bulkhead-threads=1",
            "brokerage.marketdata.bulkhead-queue=1",
            "brokerage.marketdata.request-timeout=10s"
        })
class QuoteBulkheadFullTest {

    private static final UpstreamStub UPSTREAM = startStub();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    @Qualifier(MarketDataHttpConfiguration.BULKHEAD)
    private java.util.concurrent.ThreadPoolExecutor bulkhead;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry properties) {
        properties.add("brokerage.marketdata.url", UPSTREAM::url);
    }

    @AfterAll
    static void stopStub() {
        UPSTREAM.close();
    }

    @Test
    void quotesBeyondTheBulkheadAreAQuickRetryable503() throws Exception {
        UPSTREAM.delay(Duration.ofSeconds(2));
        List<CompletableFuture<HttpResponse<String>>> first = new ArrayList<>();
        for (String symbol : List.of("AAPL", "MSFT")) {
            first.add(http.sendAsync(request("/api/quotes/" + symbol), HttpResponse.BodyHandlers.ofString()));
        }
        dev.ballast.test.Eventually.within(
                Duration.ofSeconds(5),
                "one call running and one queued",
                () -> bulkhead.getActiveCount() == 1 && bulkhead.getQueue().size() == 1);
        long start = System.nanoTime();

        HttpResponse<String> surplus = http.send(request("/api/quotes/005930"), HttpResponse.BodyHandlers.ofString());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(surplus.statusCode()).isEqualTo(503);
        assertThat(surplus.headers().firstValue("Retry-After")).isPresent();
        assertThat(surplus.body()).contains("\"code\":\"UNAVAILABLE\"");
        for (CompletableFuture<HttpResponse<String>> answer : first) {
            assertThat(answer.get().statusCode()).isEqualTo(200);
        }
    }

    private static UpstreamStub startStub() {
        try {
            return UpstreamStub.start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest request(String path) {
        URI uri = URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
    }
}
