package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/** The quotes cache gets its Redis L2 from Spring Boot's {@code spring.data.redis.*} settings (machine's Redis). */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6379"})
class QuoteRedisApiTest {

    @Autowired
    private Environment environment;

    @Autowired
    private RedisClient redis;

    @Test
    void aQuoteReadThroughTheServiceIsInTheSharedRedisL2() throws Exception {
        HttpClient http = HttpClient.newBuilder().build();
        URI uri = URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + "/api/quotes/MSFT");

        HttpResponse<String> response =
                http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            assertThat(connection.sync().pttl("ballast:cache:quotes:v1:MSFT"))
                    .as("entry in Redis with a TTL")
                    .isPositive();
        }
    }
}
