package dev.ballast.example.brokerage.alert;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.test.DebianTool;
import dev.ballast.test.MonitoringServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 12 end to end, on the running service: a poisoned order event is dead-lettered, the in-JVM rule raises a
 * CRITICAL that reaches the Discord stub with a replay button; Prometheus (scraping the service, with the shipped rules)
 * fires the same condition through the shipped Alertmanager config to {@code POST /ballast/alertmanager}, where it is
 * deduplicated against the in-JVM alert; the link opens in headless Chromium, is confirmed, the event is published and
 * a resolved message follows. Then every Grafana panel's query runs against that Prometheus.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:alert-e2e;DB_CLOSE_DELAY=-1",
            "spring.data.redis.host=127.0.0.1",
            "spring.data.redis.port=6379",
            "management.endpoints.web.exposure.include=health,prometheus,ballastactions",
            "ballast.alert.service=brokerage",
            "ballast.instance-name=brokerage-e2e",
            "ballast.alert.channels.discord.type=discord",
            "ballast.alert.channels.discord.rate-per-second=20",
            "ballast.alert.file.path=target/alert-e2e/alerts.jsonl",
            "ballast.alert.heartbeat.interval=2s",
            "ballast.alert.heartbeat.channel=log",
            "ballast.alert.rules.interval=500ms",
            "ballast.alert.actions.enabled=true",
            "ballast.alert.alertmanager.token=e2e-token",
            "ballast.outbox.relay.max-attempts=2",
            "ballast.outbox.relay.backoff-base=50ms",
            "ballast.outbox.relay.backoff-cap=100ms",
            "ballast.outbox.relay.poll-interval=50ms",
            "ballast.outbox.relay.housekeeping-interval=500ms",
            "ballast.outbox.relay.dead-letter-file=target/alert-e2e/dlq.jsonl"
        })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AlertingEndToEndIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PORT = freePort();
    private static final WireMockServer DISCORD = discord();
    private static MonitoringStack monitoring;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private MeterRegistry registry;

    @Autowired
    private Consumer consumer;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry properties) throws Exception {
        String key =
                Base64.getEncoder().encodeToString(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        properties.add("server.port", () -> PORT);
        properties.add(
                "ballast.alert.channels.discord.url",
                () -> "http://127.0.0.1:" + DISCORD.port() + "/api/webhooks/1/tok");
        properties.add("ballast.alert.actions.base-url", () -> "http://127.0.0.1:" + PORT);
        properties.add("ballast.alert.actions.keys.k1", () -> key);
        if (monitoring == null) {
            monitoring = MonitoringStack.start(PORT, "e2e-token");
        }
    }

    @AfterAll
    static void stop() {
        if (monitoring != null) {
            monitoring.close();
        }
        DISCORD.stop();
    }

    /** Stands in for a downstream consumer that rejects OrderPlaced events while poisoned. */
    static final class Consumer {
        final AtomicBoolean poisoned = new AtomicBoolean(true);
        final Set<String> delivered = ConcurrentHashMap.newKeySet();

        @EventListener
        void on(OutboxMessage message) {
            if (poisoned.get() && message.eventType().equals("OrderPlaced")) {
                throw new IllegalStateException("consumer rejects OrderPlaced (poisoned)");
            }
            delivered.add(message.eventId());
        }
    }

    @TestConfiguration
    static class Config {
        @Bean
        Consumer poisonableConsumer() {
            return new Consumer();
        }

        /** A thread pool, so the executor dashboard and the saturation rule have Micrometer's executor meters. */
        @Bean
        ThreadPoolTaskExecutor reportExecutor() {
            ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
            executor.setCorePoolSize(1);
            executor.setMaxPoolSize(4);
            return executor;
        }
    }

    @Test
    @Order(1)
    void aPoisonedEventReachesDiscordOnceWithAReplayButtonThatFixesItAndResolves() throws Exception {
        HttpResponse<String> order = send(HttpRequest.newBuilder(uri("/api/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString("{\"accountId\": \"A-1\", \"symbol\": \"005930\","
                        + " \"side\": \"BUY\", \"quantity\": 10, \"price\": \"71200.00\"}"))
                .build());
        assertThat(order.statusCode()).isEqualTo(201);

        JsonNode critical = await().atMost(Duration.ofSeconds(30))
                .until(() -> discordMessages("firing", "Outbox dead letters"), messages -> !messages.isEmpty())
                .get(0);
        JsonNode embed = critical.get("embeds").get(0);
        assertThat(critical.get("content").asString()).startsWith("[CRITICAL]");
        JsonNode button = critical.get("components").get(0).get("components").get(0);
        assertThat(button.get("label").asString()).isEqualTo("Replay dead letters");
        String link = button.get("url").asString();
        assertThat(link).startsWith("http://127.0.0.1:" + PORT + "/ballast/actions/");
        assertThat(embed.get("description").asString()).contains("[Replay dead letters](" + link + ")");

        // the same dead letter through Prometheus -> rule -> Alertmanager -> /ballast/alertmanager: deduplicated
        await().atMost(Duration.ofSeconds(60)).until(() -> dedupedCritical() >= 1);
        assertThat(registry.get("ballast.alert.alertmanager.received")
                        .tag("status", "firing")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1);
        assertThat(discordMessages("firing", "Outbox dead letters")).hasSize(1);

        consumer.poisoned.set(false); // the consumer is fixed; now the button
        ChromeDriver browser = Browser.start();
        try {
            browser.get(link);
            assertThat(browser.getTitle()).isEqualTo("Confirm: outbox.replay-dead-letters");
            assertThat(browser.getPageSource()).contains("outbox-dead-letters").contains("Replay the unresolved");
            assertThat(consumer.delivered).isEmpty(); // opening the page changed nothing
            browser.findElement(By.id("confirm")).click();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> browser.findElements(By.id("outcome")).size() == 1);
            assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("Done");
            assertThat(browser.findElement(By.id("result")).getText()).isEqualTo("Replayed 1 dead letter(s)");
            screenshot(browser, "action-done.png");

            browser.get(link);
            assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("Already done");
            screenshot(browser, "action-already-done.png");
        } finally {
            browser.quit();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.delivered.size() == 1);
        JsonNode resolved = await().atMost(Duration.ofSeconds(30))
                .until(() -> discordMessages("resolved", "Outbox dead letters"), messages -> !messages.isEmpty())
                .get(0);
        assertThat(resolved.get("embeds").get(0).get("title").asString()).startsWith("Resolved: Outbox dead letters");
        assertThat(resolved.get("embeds").get(0).get("color").asInt()).isEqualTo(0x2ECC71);
        assertThat(send(HttpRequest.newBuilder(URI.create(link))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build())
                        .statusCode())
                .isEqualTo(409);
    }

    @Test
    @Order(3)
    void exposedWithoutAnAccessSettingTheActionsEndpointListsOperationsButSignsNoLink() throws Exception {
        HttpResponse<String> listed =
                send(HttpRequest.newBuilder(uri("/actuator/ballastactions")).build());
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains("outbox.replay-dead-letters");

        HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/actuator/ballastactions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"operation\": \"outbox.relay.pause\", \"requestedBy\": \"ops-kim\"}"))
                .build());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(405);
        assertThat(refused.body()).contains("\"code\":\"METHOD_NOT_ALLOWED\"").doesNotContain("/ballast/actions/");
    }

    @Test
    @Order(2)
    void everyGrafanaPanelQueryParsesAndReturnsSeriesFromPrometheusScrapingTheService() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(send(HttpRequest.newBuilder(uri("/api/quotes/005930")).build())
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(send(HttpRequest.newBuilder(uri("/api/accounts/A-2/deposits"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"10.00\"}"))
                                .build())
                        .statusCode())
                .isEqualTo(200);
        List<Panel> panels = panels();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(25);
        for (Panel panel : panels) {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        HttpResponse<String> response = monitoring.prometheus.get(
                                "/api/v1/query?query=" + URLEncoder.encode(panel.expr(), StandardCharsets.UTF_8));
                        JsonNode body = JSON.readTree(response.body());
                        assertThat(body.path("status").asString())
                                .as("%s / %s: %s", panel.dashboard(), panel.title(), response.body())
                                .isEqualTo("success");
                        assertThat(body.path("data").path("result").size())
                                .as("%s / %s returns no series: %s", panel.dashboard(), panel.title(), panel.expr())
                                .isPositive();
                    });
        }
    }

    record Panel(String dashboard, String title, String expr) {}

    private static List<Panel> panels() throws Exception {
        Path dashboards = DebianTool.opsDir().resolve("grafana/dashboards");
        List<Panel> panels = new ArrayList<>();
        try (var files = Files.list(dashboards)) {
            for (Path file : files.sorted().toList()) {
                JsonNode dashboard = JSON.readTree(Files.readString(file));
                for (JsonNode panel : dashboard.get("panels")) {
                    for (JsonNode target : panel.get("targets")) {
                        String expr = target.get("expr").asString().replace("$__rate_interval", "30s");
                        panels.add(new Panel(
                                file.getFileName().toString(),
                                panel.get("title").asString(),
                                expr));
                    }
                }
            }
        }
        return panels;
    }

    private double dedupedCritical() {
        Counter counter = registry.find("ballast.alert.suppressed")
                .tag("reason", "dedup")
                .tag("severity", "CRITICAL")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Discord messages whose footer says {@code kind}, sent by this instance (the footer names it), and whose title
     * contains {@code title}, oldest first.
     */
    private static List<JsonNode> discordMessages(String kind, String title) {
        List<JsonNode> found = new ArrayList<>();
        for (var request : DISCORD.findAll(postRequestedFor(urlPathMatching("/api/webhooks/.*")))) {
            JsonNode body = JSON.readTree(request.getBodyAsString());
            JsonNode embed = body.path("embeds").path(0);
            if (embed.path("footer")
                            .path("text")
                            .asString("")
                            .equals("ballast \u00b7 " + kind + " \u00b7 brokerage-e2e")
                    && embed.path("title").asString("").contains(title)) {
                found.add(body);
            }
        }
        return found;
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        Path dir = Path.of("target/alert-e2e");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + PORT + path);
    }

    private static WireMockServer discord() {
        WireMockServer server =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        server.stubFor(
                post(urlPathMatching("/api/webhooks/.*")).willReturn(aResponse().withStatus(204)));
        return server;
    }

    private static int freePort() {
        try {
            return MonitoringServer.freePort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
