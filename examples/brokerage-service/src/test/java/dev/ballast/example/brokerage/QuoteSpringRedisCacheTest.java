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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/**
 * {@code brokerage.quotes.cache=spring-redis}, the load test's peer: quotes through Spring's {@code @Cacheable} on
 * Spring Data Redis's {@code RedisCacheManager}, on the machine's Redis, values as JSON.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "brokerage.quotes.cache=spring-redis",
            "spring.data.redis.host=127.0.0.1",
            "spring.data.redis.port=6379",
            "spring.datasource.url=jdbc:h2:mem:quotes-spring-redis;DB_CLOSE_DELAY=-1"
        })
class QuoteSpringRedisCacheTest {

    private static final String KEY = "quotes::AAPL";

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private MeterRegistry registry;

    @Autowired
    private RedisClient redis;

    @BeforeEach
    void noCachedQuoteYet() {
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            connection.sync().del(KEY);
        }
    }

    @Test
    void theFirstQuoteCallsTheUpstreamAndTheNextOnesAreServedFromRedis() throws Exception {
        double before = upstreamCalls();

        HttpResponse<String> first = get("/api/quotes/AAPL");
        HttpResponse<String> second = get("/api/quotes/AAPL");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).contains("\"symbol\":\"AAPL\"").contains("\"price\":");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).as("the cached quote, same asOf").isEqualTo(first.body());
        assertThat(upstreamCalls() - before).as("upstream calls").isEqualTo(1);
    }

    @Test
    void theCachedQuoteIsJsonInRedisWithTheQuotesTtl() throws Exception {
        assertThat(get("/api/quotes/AAPL").statusCode()).isEqualTo(200);

        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            assertThat(connection.sync().get(KEY))
                    .as("JSON, not JDK serialization")
                    .startsWith("{")
                    .contains("\"symbol\":\"AAPL\"");
            assertThat(connection.sync().pttl(KEY)).as("TTL ms").isBetween(1L, 5_000L);
        }
    }

    @Test
    void anUnknownSymbolIsStill404WithoutAnUpstreamCall() throws Exception {
        double before = upstreamCalls();

        HttpResponse<String> response = get("/api/quotes/NOPE");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(upstreamCalls() - before).isZero();
    }

    private double upstreamCalls() {
        return registry.get("brokerage.marketdata.calls").counter().count();
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
