package dev.ballast.example.brokerage.overload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Requests beyond the bound are answered at once 503 {@code OVERLOADED} problem details with {@code Retry-After},
 * while the bounded ones (held inside the handler on a latch) and a queued one that gets a place succeed; the
 * actuator and the quotes are never shed.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:load-shedding;DB_CLOSE_DELAY=-1",
            "brokerage.overload.max-in-progress=2",
            "brokerage.overload.max-queued=1",
            "brokerage.overload.queue-wait=3s",
            "brokerage.overload.retry-after=2s"
        })
class LoadSheddingTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private Held held;

    @Autowired
    private MeterRegistry registry;

    @AfterEach
    void releaseHeldRequests() {
        held.release.countDown();
    }

    @Test
    void requestsBeyondTheBoundAreAFast503ProblemWhileTheBoundedOnesSucceed() throws Exception {
        double queueFull = shed("queue-full");
        double queueTimeout = shed("queue-timeout");
        List<CompletableFuture<HttpResponse<String>>> bounded = holdTwo();
        CompletableFuture<HttpResponse<String>> queued =
                http.sendAsync(get("/test/held"), HttpResponse.BodyHandlers.ofString());
        Eventually.within(Duration.ofSeconds(5), "one request queued", () -> gauge("brokerage.requests.queued") == 1);

        long start = System.nanoTime();
        HttpResponse<String> surplus = http.send(get("/api/instruments"), HttpResponse.BodyHandlers.ofString());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(surplus.statusCode()).isEqualTo(503);
        assertThat(surplus.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(surplus.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(surplus.body())
                .contains("\"status\":503", "\"code\":\"OVERLOADED\"", "\"instance\":\"/api/instruments\"");
        assertThat(shed("queue-full") - queueFull).isEqualTo(1);
        assertThat(gauge("brokerage.requests.in-progress")).isEqualTo(2);

        HttpResponse<String> health = http.send(get("/actuator/health"), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("the actuator is never shed").isEqualTo(200);
        HttpResponse<String> receiver = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + environment.getProperty("local.server.port")
                                + "/ballast/alertmanager"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"alerts\": []}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(receiver.body())
                .as("Ballast's operator endpoints (the Alertmanager receiver, action links) are never shed")
                .doesNotContain("OVERLOADED");
        assertThat(receiver.statusCode()).isNotEqualTo(503);
        HttpResponse<String> quote = http.send(get("/api/quotes/005930"), HttpResponse.BodyHandlers.ofString());
        assertThat(quote.statusCode())
                .as("quotes (no database work) are never shed nor queued behind it")
                .isEqualTo(200);

        held.release.countDown();
        for (CompletableFuture<HttpResponse<String>> response : bounded) {
            assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(queued.get(10, TimeUnit.SECONDS).statusCode())
                .as("the queued request got a place when one was released")
                .isEqualTo(200);
        assertThat(http.send(get("/api/instruments"), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        assertThat(shed("queue-timeout") - queueTimeout).isZero();
    }

    @Test
    void aQueuedRequestThatGetsNoPlaceWithinTheQueueWaitIsA503Problem() throws Exception {
        double queueTimeout = shed("queue-timeout");
        List<CompletableFuture<HttpResponse<String>>> bounded = holdTwo();

        HttpResponse<String> queued = http.send(get("/api/instruments"), HttpResponse.BodyHandlers.ofString());

        assertThat(queued.statusCode()).isEqualTo(503);
        assertThat(queued.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(queued.body()).contains("\"code\":\"OVERLOADED\"");
        assertThat(shed("queue-timeout") - queueTimeout).isEqualTo(1);
        held.release.countDown();
        for (CompletableFuture<HttpResponse<String>> response : bounded) {
            assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    /** Two requests held inside the handler: every place taken. */
    private List<CompletableFuture<HttpResponse<String>>> holdTwo() throws InterruptedException {
        held.arm();
        List<CompletableFuture<HttpResponse<String>>> bounded = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            bounded.add(http.sendAsync(get("/test/held"), HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(held.entered.await(10, TimeUnit.SECONDS))
                .as("both bounded requests inside")
                .isTrue();
        return bounded;
    }

    private double shed(String reason) {
        return registry.get("brokerage.requests.shed")
                .tag("reason", reason)
                .counter()
                .count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(
                        URI.create("http://localhost:" + environment.getProperty("local.server.port") + path))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build();
    }

    /** A handler that holds each request until released: the requests in progress, for as long as the test needs. */
    @RestController
    static class Held {
        volatile CountDownLatch entered = new CountDownLatch(2);
        volatile CountDownLatch release = new CountDownLatch(1);

        void arm() {
            entered = new CountDownLatch(2);
            release = new CountDownLatch(1);
        }

        @GetMapping("/test/held")
        String hold() throws InterruptedException {
            CountDownLatch release = this.release;
            entered.countDown();
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released within 30 s");
            }
            return "done";
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Handlers {
        @Bean
        Held held() {
            return new Held();
        }
    }
}
