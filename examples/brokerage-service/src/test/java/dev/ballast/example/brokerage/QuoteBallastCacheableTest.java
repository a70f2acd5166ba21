package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code brokerage.quotes.cache=ballast-cacheable}: quotes through Spring's {@code @Cacheable(sync = true)} on the
 * Ballast starter's cache manager, tried the way a client meets it: over HTTP, on two instances sharing the machine's
 * Redis, with a burst of concurrent first requests.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuoteBallastCacheableTest {

    private static final String ENTRY = "ballast:cache:quotes-cacheable:v1:";

    private static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<ConfigurableApplicationContext> instances = new ArrayList<>();

    @BeforeAll
    static void startTwoInstances() {
        for (int i = 0; i < 2; i++) {
            instances.add(new SpringApplication(BrokerageApplication.class)
                    .run(
                            "--server.port=0",
                            "--brokerage.quotes.cache=ballast-cacheable",
                            "--spring.data.redis.host=127.0.0.1",
                            "--spring.data.redis.port=6379",
                            "--spring.datasource.url=jdbc:h2:mem:quotes-ballast-cacheable-" + i
                                    + ";DB_CLOSE_DELAY=-1"));
        }
    }

    @AfterAll
    static void stop() {
        instances.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void theFirstQuoteCallsTheUpstreamAndTheOtherInstanceReadsItFromRedis() throws Exception {
        forget("AAPL");
        double before = upstreamCalls();

        HttpResponse<String> first = get(0, "/api/quotes/AAPL");
        HttpResponse<String> again = get(0, "/api/quotes/AAPL");
        HttpResponse<String> other = get(1, "/api/quotes/AAPL");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).contains("\"symbol\":\"AAPL\"").contains("\"price\":");
        assertThat(again.body()).as("from L1, same asOf").isEqualTo(first.body());
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.body()).as("the other instance, from Redis").isEqualTo(first.body());
        assertThat(upstreamCalls() - before)
                .as("upstream calls on both instances")
                .isEqualTo(1);
        try (StatefulRedisConnection<String, String> connection = redis().connect()) {
            assertThat(connection.sync().pttl(ENTRY + "AAPL"))
                    .as(
                            "the entry's TTL in ms: brokerage.quotes.ttl (5 s, less jitter) + stale-ttl (1 m, kept for waiters)")
                    .isBetween(60_001L, 65_000L);
        }
        assertThat(registry(0)
                        .get("ballast.cache.gets")
                        .tag("cache", "quotes-cacheable")
                        .tag("tier", "l1")
                        .tag("result", "hit")
                        .counter()
                        .count())
                .isPositive();
        assertThat(registry(0)
                        .find("ballast.cache.l2.breaker.state")
                        .tag("cache", "quotes")
                        .gauges())
                .as("no idle TieredCache 'quotes' of the tiered mode, with a breaker and alerts of its own")
                .isEmpty();
    }

    @Test
    void aBurstOfFirstQuotesOfOneSymbolOnTwoInstancesMakesOneUpstreamCall() throws Exception {
        forget("MSFT");
        double before = upstreamCalls();
        ExecutorService clients = Executors.newFixedThreadPool(100);
        try {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int instance = i % 2;
                responses.add(CompletableFuture.supplyAsync(() -> getUnchecked(instance, "/api/quotes/MSFT"), clients));
            }
            CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            String body = responses.get(0).join().body();
            assertThat(responses).allSatisfy(response -> {
                assertThat(response.join().statusCode()).isEqualTo(200);
                assertThat(response.join().body()).as("one quote for all").isEqualTo(body);
            });
            assertThat(upstreamCalls() - before)
                    .as("upstream calls on both instances")
                    .isEqualTo(1);
        } finally {
            clients.shutdownNow();
        }
    }

    private static void forget(String symbol) {
        try (StatefulRedisConnection<String, String> connection = redis().connect()) {
            connection.sync().del(ENTRY + symbol);
        }
    }

    private static RedisClient redis() {
        return instances.get(0).getBean(RedisClient.class);
    }

    private static MeterRegistry registry(int instance) {
        return instances.get(instance).getBean(MeterRegistry.class);
    }

    private static double upstreamCalls() {
        double calls = 0;
        for (int i = 0; i < instances.size(); i++) {
            calls += registry(i).get("brokerage.marketdata.calls").counter().count();
        }
        return calls;
    }

    private static HttpResponse<String> getUnchecked(int instance, String path) {
        try {
            return get(instance, path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(int instance, String path) throws Exception {
        String port = instances.get(instance).getEnvironment().getProperty("local.server.port");
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
