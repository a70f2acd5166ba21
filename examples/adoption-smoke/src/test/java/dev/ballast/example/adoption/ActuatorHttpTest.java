package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxMessage;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 16 items 3, 4, 5, 6 over HTTP on the adoption app: the {@code ballast} health component with a Redis on a
 * closed port (DEGRADED, HTTP 200, readiness unaffected), the outbox and locks endpoints with the audited dead-letter
 * operations, Ballast caches in {@code /actuator/caches} with evict working, and alert meters present at 0.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoints.web.exposure.include=health,caches,metrics,outbox,locks",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.outbox.access=unrestricted",
            "ballast.cache.caches.prices.value-type=java.math.BigDecimal",
            "ballast.lock.backend=JDBC",
            "ballast.outbox.relay.max-attempts=1",
            "ballast.outbox.relay.poll-interval=50ms",
            "spring.data.redis.host=127.0.0.1"
        })
class ActuatorHttpTest {

    private static final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    TradeService trades;

    @Autowired
    TransactionalOutbox outbox;

    @Autowired
    TransactionTemplate transactions;

    /** Redis "on the wrong port": a port nothing listens on (bound once to find it, then closed). */
    @DynamicPropertySource
    static void closedRedisPort(DynamicPropertyRegistry registry) throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        registry.add("spring.data.redis.port", () -> closed);
    }

    @Test
    void aRedisOnAClosedPortShowsAsADegradedCacheWhileTheInstanceStaysInRotation() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        String body = health.body();
        assertThat(read(body, "$.status")).isEqualTo("DEGRADED");
        String prices = "$.components.ballast.components.cache.components.prices";
        assertThat(read(body, prices + ".status")).isEqualTo("DEGRADED");
        assertThat(read(body, prices + ".details.l2")).isIn("disconnected", "breaker_open");
        assertThat(read(body, "$.components.ballast.components.lock.status")).isEqualTo("UP");
        assertThat(read(body, "$.components.ballast.components.lock.details.backend"))
                .isEqualTo("jdbc");

        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(read(readiness.body(), "$.status")).isEqualTo("UP");

        // the actuator answers an unknown health group with a bare 404 (no body); a client gets the problem
        HttpResponse<String> nothing = get("/actuator/health/nope");
        assertThat(nothing.statusCode()).isEqualTo(404);
        assertThat(nothing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(read(nothing.body(), "$.code")).isEqualTo("NOT_FOUND");
        assertThat(read(nothing.body(), "$.instance")).isEqualTo("/actuator/health/nope");
    }

    @Test
    void aDeadLetterDegradesTheOutboxAndIsListedPagedReplayedWithActorAndReasonAndAudited() throws Exception {
        assertThat(metricCount("ballast.outbox.dead", "reason:MAX_ATTEMPTS")).isZero(); // there before any failure

        trades.book("T-ok", "A-1", new BigDecimal("10.00"));
        transactions.executeWithoutResult(status -> outbox.append(
                OutboxEvent.of("poison-1", "Account", "A-9", "Poison", "{}".getBytes(StandardCharsets.UTF_8))));
        await().atMost(Duration.ofSeconds(15))
                .until(() -> number(get("/actuator/outbox").body(), "$.deadLetters") == 1);

        String status = get("/actuator/outbox").body();
        assertThat(number(status, "$.eventsByStatus.PENDING")).isZero();
        assertThat(number(status, "$.eventsByStatus.DEAD")).isEqualTo(1);
        assertThat(status).as("published rows are not counted").doesNotContain("PUBLISHED");
        assertThat(metricCount("ballast.outbox.published")).isEqualTo(1);
        assertThat(read(status, "$.relays.thisInstance.running")).isEqualTo(true);
        assertThat(read(status, "$.relays.thisInstance.lastHeartbeat")).isNotNull();
        assertThat((String) read(status, "$.relays.thisInstance.leaseOwner"))
                .as("the relay's lease owner: its name and a suffix of its own")
                .matches(java.util.regex.Pattern.quote((String) read(status, "$.relays.thisInstance.owner"))
                        + "#[0-9a-f]{8}");
        assertThat(metricCount("ballast.outbox.dead", "reason:MAX_ATTEMPTS")).isEqualTo(1);

        String health = get("/actuator/health").body();
        assertThat(read(health, "$.components.ballast.components.outbox.status"))
                .isEqualTo("DEGRADED");
        assertThat(number(health, "$.components.ballast.components.outbox.details.deadLetters"))
                .isEqualTo(1);

        String page = get("/actuator/outbox/dead-letters?offset=0&limit=10").body();
        assertThat(number(page, "$.total")).isEqualTo(1);
        assertThat(read(page, "$.items[0].eventType")).isEqualTo("Poison");
        assertThat(read(page, "$.items[0].reason")).isEqualTo("MAX_ATTEMPTS");
        assertThat(number(page, "$.items[0].attempts")).isEqualTo(1);
        assertThat(read(page, "$.items[0].unchanged")).isEqualTo(true);
        String eventId = (String) read(page, "$.items[0].eventId");

        HttpResponse<String> noActor =
                post("/actuator/outbox/dead-letters/" + eventId + "/replay", "{\"reason\":\"x\"}");
        assertThat(noActor.statusCode()).isEqualTo(400);
        HttpResponse<String> blank =
                post("/actuator/outbox/dead-letters/" + eventId + "/replay", "{\"actor\":\" \",\"reason\":\"x\"}");
        assertThat(blank.statusCode()).isEqualTo(400);
        assertThat(read(blank.body(), "$.code")).isEqualTo("ACTOR_AND_REASON_REQUIRED");
        assertThat(blank.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        // found by a black-box check: the endpoint's own refusals came as the actuator's media type, lower-case codes
        HttpResponse<String> badPage = get("/actuator/outbox/dead-letters?limit=0");
        assertThat(badPage.statusCode()).isEqualTo(400);
        assertThat(badPage.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(read(badPage.body(), "$.code")).isEqualTo("INVALID_PAGE");
        assertThat(read(badPage.body(), "$.status")).isEqualTo(400);
        // found by a black-box check: a 300-character actor was answered 404 DEAD_LETTER_NOT_FOUND
        HttpResponse<String> longActor = post(
                "/actuator/outbox/dead-letters/" + eventId + "/replay",
                "{\"actor\":\"" + "a".repeat(300) + "\",\"reason\":\"x\"}");
        assertThat(longActor.statusCode()).isEqualTo(400);
        assertThat(read(longActor.body(), "$.code")).isEqualTo("ACTOR_OR_REASON_TOO_LONG");

        HttpResponse<String> typo = post(
                "/actuator/outbox/dead-letters/" + eventId + "/discard",
                "{\"actor\":\"ops-kim\",\"reson\":\"typo\",\"reason\":\"x\"}");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(read(typo.body(), "$.code")).isEqualTo("UNKNOWN_FIELD");
        assertThat(read(typo.body(), "$.detail"))
                .isEqualTo("Unknown field 'reson'; this operation takes actor, reason");
        assertThat(outbox.outbox().deadLetters().find(eventId))
                .hasValueSatisfying(letter -> assertThat(letter.resolvedBy()).isNull());

        HttpResponse<String> discarded = post(
                "/actuator/outbox/dead-letters/" + eventId + "/discard",
                "{\"actor\":\"ops-kim\",\"reason\":\"poison test event\"}");
        assertThat(discarded.statusCode()).isEqualTo(200);
        assertThat(outbox.outbox().deadLetters().find(eventId))
                .hasValueSatisfying(
                        resolved -> assertThat(resolved.resolvedBy()).isEqualTo("ops-kim"));
        HttpResponse<String> again = post(
                "/actuator/outbox/dead-letters/" + eventId + "/replay",
                "{\"actor\":\"ops-kim\",\"reason\":\"changed my mind\"}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(read(again.body(), "$.code")).isEqualTo("DEAD_LETTER_NOT_DEAD");
        HttpResponse<String> unknown =
                post("/actuator/outbox/dead-letters/no-such-event/replay", "{\"actor\":\"ops-kim\",\"reason\":\"x\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(read(unknown.body(), "$.code")).isEqualTo("DEAD_LETTER_NOT_FOUND");
    }

    @Test
    void theLocksEndpointNamesTheBackendAndTheKeysThisInstanceHolds() throws Exception {
        String locks = get("/actuator/locks").body();
        assertThat(read(locks, "$.backend")).isEqualTo("jdbc");
        assertThat(read(locks, "$.held")).isInstanceOf(List.class);
        assertThat(metricCount("ballast.lock.lease.lost", "backend:jdbc")).isZero();
    }

    @Test
    void ballastCachesAreListedInTheCachesEndpointAndEvictingOneWorks() throws Exception {
        trades.price("005930");
        trades.price("005930");
        int before = trades.priceLookups();

        String caches = get("/actuator/caches").body();
        assertThat((String) read(caches, "$.cacheManagers.cacheManager.caches.prices.target"))
                .contains("TieredCache");
        HttpResponse<String> evicted = send(
                HttpRequest.newBuilder(uri("/actuator/caches/prices")).DELETE().build());
        assertThat(evicted.statusCode()).isEqualTo(204);
        trades.price("005930");
        assertThat(trades.priceLookups()).isEqualTo(before + 1);

        assertThat(metricCount("cache.gets", "cache:prices", "result:hit")).isPositive();
        assertThat(metricCount("cache.gets", "cache:prices", "result:miss")).isPositive();
    }

    private double metricCount(String name, String... tags) throws Exception {
        StringBuilder path = new StringBuilder("/actuator/metrics/" + name);
        for (int i = 0; i < tags.length; i++) {
            path.append(i == 0 ? "?" : "&").append("tag=").append(tags[i]);
        }
        HttpResponse<String> response = get(path.toString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        List<Number> counts = JsonPath.read(response.body(), "$.measurements[?(@.statistic == 'COUNT')].value");
        assertThat(counts).as("COUNT in " + response.body()).hasSize(1);
        return counts.get(0).doubleValue();
    }

    private static Object read(String json, String path) {
        return JsonPath.read(json, path);
    }

    private static long number(String json, String path) {
        return ((Number) JsonPath.read(json, path)).longValue();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A consumer that refuses "Poison" events, so the relay dead-letters them (max-attempts=1). */
    @TestConfiguration(proxyBeanMethods = false)
    static class PoisonRefuser {
        @Bean
        Refuser poisonRefuser() {
            return new Refuser();
        }
    }

    static class Refuser {
        @EventListener
        public void on(OutboxMessage message) {
            if (message.eventType().equals("Poison")) {
                throw new IllegalStateException("consumer refuses " + message.eventType());
            }
        }
    }
}
