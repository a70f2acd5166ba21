package dev.ballast.alert;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ballast.alert.internal.SignedWebhookFormat;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The channels against a real HTTP server (WireMock) answering 204, 429, 500, 401 and not at all. */
class WebhookDeliveryIT {

    private static final Duration CONNECT = Duration.ofSeconds(1);
    private static final Duration READ = Duration.ofMillis(500);
    private static final ChannelSettings FAST = new ChannelSettings(
            100, 50, 50, 3, Duration.ofMillis(20), Duration.ofMillis(100), 2, Duration.ofMinutes(5));

    @RegisterExtension
    final LogCapture ballastLogs = LogCapture.of("dev.ballast");

    @RegisterExtension
    final LogCapture alertLogs = LogCapture.of("ballast.alert");

    @TempDir
    Path dir;

    private final WebhookStub stub = new WebhookStub();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private AlertRouter router;

    @AfterEach
    void close() {
        if (router != null) {
            router.close();
        }
        stub.close();
    }

    private AlertRouter router(List<Channel> chat, ChannelSettings settings) {
        AlertRouter.Builder builder = AlertRouter.builder().meterRegistry(registry);
        chat.forEach(channel -> builder.channel(channel, settings));
        builder.channel(Channel.file("file", dir.resolve("alerts.jsonl"), 1 << 20, 2));
        List<String> names = chat.stream().map(Channel::name).toList();
        builder.route(new Route("now", Set.of(), Map.of(), names, true, List.of(), Duration.ZERO));
        builder.route(new Route(
                "file", Set.of(Severity.CRITICAL), Map.of(), List.of("file"), false, List.of(), Duration.ZERO));
        router = builder.build();
        return router;
    }

    private Channel discord(String path) {
        return Channel.discord("discord", stub.url(path), CONNECT, READ);
    }

    private static Alert critical(String fingerprint, String detail) {
        return Alert.builder(Severity.CRITICAL, "Outbox dead letters: " + fingerprint)
                .detail(detail)
                .fingerprint(fingerprint)
                .label("module", "outbox")
                .build();
    }

    private List<JsonNode> fileLines() throws Exception {
        Path file = dir.resolve("alerts.jsonl");
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().map(WebhookStub.JSON::readTree).toList();
    }

    @Test
    void aDiscordMessageIsOneEmbedWithLinkButtonsCutToDiscordsLimits() {
        stub.answer("/discord", 204);
        router(List.of(discord("/discord")), FAST);
        Alert.Builder alert = Alert.builder(Severity.CRITICAL, "Outbox dead letters")
                .detail("x".repeat(10_000))
                .fingerprint("dlq")
                .context(new TaskContext("Order", "Publish", "O-1"));
        for (int i = 0; i < 30; i++) {
            alert.label("label" + i, "v".repeat(1_500));
        }
        for (int i = 0; i < 7; i++) {
            alert.action(new AlertAction("Action " + i, URI.create("https://ops.example/a/" + i)));
        }

        router.send(alert.build());

        await().atMost(Duration.ofSeconds(10))
                .until(() -> stub.requests("/discord").size() == 1);
        LoggedRequest request = stub.requests("/discord").get(0);
        assertThat(request.queryParameter("with_components").firstValue()).isEqualTo("true");
        JsonNode body = WebhookStub.JSON.readTree(request.getBodyAsString());
        assertThat(body.get("content").asString())
                .hasSizeLessThanOrEqualTo(2_000)
                .contains("CRITICAL");
        assertThat(body.get("embeds")).hasSize(1);
        JsonNode embed = body.get("embeds").get(0);
        assertThat(embed.get("color").asInt()).isEqualTo(0xE74C3C);
        assertThat(embed.get("description").asString())
                .hasSizeLessThanOrEqualTo(4_096)
                .endsWith("[truncated]");
        assertThat(embed.get("fields").size()).isLessThanOrEqualTo(25);
        int total = embed.get("title").asString().length()
                + embed.get("description").asString().length()
                + embed.get("footer").get("text").asString().length();
        for (JsonNode field : embed.get("fields")) {
            assertThat(field.get("value").asString()).hasSizeLessThanOrEqualTo(1_024);
            total += field.get("name").asString().length()
                    + field.get("value").asString().length();
        }
        assertThat(total).isLessThanOrEqualTo(6_000);
        assertThat(embed.get("timestamp").asString()).isNotEmpty();
        JsonNode rows = body.get("components");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("components")).hasSize(5);
        assertThat(rows.get(1).get("components").get(1).get("url").asString()).isEqualTo("https://ops.example/a/6");
        assertThat(rows.get(0).get("components").get(0).get("style").asInt()).isEqualTo(5);
    }

    @Test
    void aSlackMessageIsBlockKitWithUrlButtons() {
        stub.answer("/slack", 200);
        router(List.of(Channel.slack("slack", stub.url("/slack"), CONNECT, READ)), FAST);

        router.send(Alert.builder(Severity.WARNING, "Executor pool at 93 %")
                .detail("y".repeat(5_000))
                .fingerprint("pool")
                .label("module", "executor")
                .action(new AlertAction("Raise the pool", URI.create("https://svc.example/ballast/actions/t1")))
                .build());

        await().atMost(Duration.ofSeconds(10))
                .until(() -> stub.requests("/slack").size() == 1);
        JsonNode body = stub.bodies("/slack").get(0);
        JsonNode blocks = body.get("blocks");
        assertThat(blocks.get(0).get("type").asString()).isEqualTo("header");
        assertThat(blocks.get(1).get("text").get("text").asString())
                .hasSizeLessThanOrEqualTo(3_000)
                .endsWith("[truncated]");
        assertThat(blocks.get(1).get("fields").get(0).get("text").asString()).isEqualTo("*module*\nexecutor");
        assertThat(blocks.get(2).get("type").asString()).isEqualTo("context");
        JsonNode button = blocks.get(3).get("elements").get(0);
        assertThat(button.get("url").asString()).isEqualTo("https://svc.example/ballast/actions/t1");
        assertThat(button.get("text").get("text").asString()).isEqualTo("Raise the pool");
    }

    @Test
    void theGenericWebhookIsSignedOverTimestampAndBody() {
        stub.answer("/hook", 202);
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        router(List.of(Channel.webhook("hook", stub.url("/hook"), secret, CONNECT, READ)), FAST);

        router.send(critical("signed", "detail"));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> stub.requests("/hook").size() == 1);
        LoggedRequest request = stub.requests("/hook").get(0);
        String timestamp = request.getHeader(SignedWebhookFormat.TIMESTAMP);
        String expected = new SignedWebhookFormat(secret).sign(timestamp, request.getBody());
        assertThat(request.getHeader(SignedWebhookFormat.SIGNATURE)).isEqualTo("sha256=" + expected);
        JsonNode body = WebhookStub.JSON.readTree(request.getBodyAsString());
        assertThat(body.get("version").asInt()).isEqualTo(1);
        assertThat(body.get("alerts").get(0).get("fingerprint").asString()).isEqualTo("signed");
        assertThat(new SignedWebhookFormat(secret).sign(timestamp, "tampered".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(expected);
    }

    @Test
    void a429WithRetryAfterIsHonouredAndTheMessageDeliveredAfterIt() {
        stub.server.stubFor(post(urlPathEqualTo("/discord"))
                .inScenario("rate")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1"))
                .willSetStateTo("open"));
        stub.server.stubFor(post(urlPathEqualTo("/discord"))
                .inScenario("rate")
                .whenScenarioStateIs("open")
                .willReturn(aResponse().withStatus(204)));
        router(List.of(discord("/discord")), FAST);

        router.send(critical("rate-limited", ""));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> stub.requests("/discord").size() == 2);
        List<LoggedRequest> requests = stub.requests("/discord");
        long gap = requests.get(1).getLoggedDate().getTime()
                - requests.get(0).getLoggedDate().getTime();
        assertThat(gap).isGreaterThanOrEqualTo(950);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> registry.find("ballast.alert.messages")
                                .tag("result", "delivered")
                                .counter()
                        != null);
    }

    @Test
    void a429WithAnHttpDateRetryAfterWaitsUntilThatDate() {
        // RFC 9110 allows Retry-After as an HTTP-date; 4 s ahead (whole seconds) is a wait of 3 to 4 s
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(4));
        stub.server.stubFor(post(urlPathEqualTo("/discord"))
                .inScenario("rate")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", date))
                .willSetStateTo("open"));
        stub.server.stubFor(post(urlPathEqualTo("/discord"))
                .inScenario("rate")
                .whenScenarioStateIs("open")
                .willReturn(aResponse().withStatus(204)));
        router(List.of(discord("/discord")), FAST);

        router.send(critical("rate-limited-until", ""));

        await().atMost(Duration.ofSeconds(15))
                .until(() -> stub.requests("/discord").size() == 2);
        List<LoggedRequest> requests = stub.requests("/discord");
        long gap = requests.get(1).getLoggedDate().getTime()
                - requests.get(0).getLoggedDate().getTime();
        assertThat(gap).isGreaterThanOrEqualTo(2_900);
    }

    @Test
    void discordsRateLimitHeadersPauseTheChannelBeforeItsNextRequest() {
        stub.answer(
                "/discord",
                aResponse()
                        .withStatus(204)
                        .withHeader("X-RateLimit-Remaining", "0")
                        .withHeader("X-RateLimit-Reset-After", "1.2"));
        router(List.of(discord("/discord")), FAST);

        router.send(critical("first", ""));
        router.send(critical("second", ""));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> stub.requests("/discord").size() == 2);
        List<LoggedRequest> requests = stub.requests("/discord");
        long gap = requests.get(1).getLoggedDate().getTime()
                - requests.get(0).getLoggedDate().getTime();
        assertThat(gap).isGreaterThanOrEqualTo(1_150);
    }

    @Test
    void serverErrorsAreRetriedAndThenTheMessageIsWrittenToTheFile() throws Exception {
        stub.answer("/discord", 500);
        router(List.of(discord("/discord")), FAST);

        router.send(critical("broken", "detail"));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> fileLines().stream().anyMatch(line -> line.has("fallbackFor")));
        assertThat(stub.requests("/discord")).hasSize(3);
        JsonNode fallback = fileLines().stream()
                .filter(line -> line.has("fallbackFor"))
                .findFirst()
                .orElseThrow();
        assertThat(fallback.get("fallbackFor").asString()).isEqualTo("discord");
        assertThat(fallback.get("reason").asString()).contains("HTTP 500");
        assertThat(fallback.get("fingerprint").asString()).isEqualTo("broken");
    }

    @Test
    void aChannelFailingWithServerErrorsIsWarnedOnceAndItsRecoveryLogged() throws Exception {
        stub.answer("/discord", 500);
        ChannelSettings breakerStaysClosed = new ChannelSettings(
                100, 50, 50, 3, Duration.ofMillis(20), Duration.ofMillis(100), 10, Duration.ofMinutes(5));
        router(List.of(discord("/discord")), breakerStaysClosed);

        router.send(critical("down-1", "detail"));
        router.send(critical("down-2", "detail"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> fileLines().stream()
                                .filter(line -> line.has("fallbackFor"))
                                .count()
                        == 2);
        stub.answer("/discord", 204);
        router.send(critical("up", "detail"));
        await().atMost(Duration.ofSeconds(10)).until(() -> ballastLogs.events().stream()
                .anyMatch(e -> e.getFormattedMessage().equals("Alert channel 'discord' delivers again")));

        assertThat(ballastLogs.events().stream()
                        .map(e -> e.getFormattedMessage())
                        .filter(line -> line.startsWith("Alert channel 'discord' is failing")))
                .containsExactly("Alert channel 'discord' is failing: a message was not delivered after its retries"
                        + " (last: HTTP 500); it went to the fallback");
    }

    @Test
    void aChannelThatRejectsUsIsNotRetriedAndTheOtherChannelsAreWarnedOnce() throws Exception {
        stub.answer("/discord", 401);
        stub.answer("/slack", 200);
        router(List.of(discord("/discord"), Channel.slack("slack", stub.url("/slack"), CONNECT, READ)), FAST);

        router.send(critical("one", ""));
        router.send(critical("two", ""));

        await().atMost(Duration.ofSeconds(10)).until(() -> stub.bodies("/slack").stream()
                .anyMatch(body -> body.get("text").asString().contains("rejects us: 401")));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> fileLines().stream()
                                .filter(line -> "discord"
                                        .equals(line.path("fallbackFor").asString(null)))
                                .count()
                        == 2);
        assertThat(stub.requests("/discord")).hasSize(2); // one attempt each, no retry
        assertThat(stub.bodies("/slack").stream()
                        .filter(body -> body.get("text").asString().contains("rejects us"))
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aHungWebhookTimesOutAndItsBreakerSendsTheRestStraightToTheFile() throws Exception {
        stub.answer("/discord", aResponse().withStatus(204).withFixedDelay(3_000));
        ChannelSettings oneAttempt = new ChannelSettings(
                100, 50, 50, 1, Duration.ofMillis(20), Duration.ofMillis(100), 2, Duration.ofMinutes(5));
        router(List.of(discord("/discord")), oneAttempt);

        for (int i = 0; i < 5; i++) {
            router.send(critical("hung-" + i, ""));
        }

        await().atMost(Duration.ofSeconds(15))
                .until(() -> fileLines().stream()
                                .filter(line -> "discord"
                                        .equals(line.path("fallbackFor").asString(null)))
                                .count()
                        == 5);
        assertThat(stub.requests("/discord")).hasSize(2);
        assertThat(fileLines().stream().map(line -> line.path("reason").asString()))
                .contains("breaker open")
                .anyMatch(reason -> reason.contains("timed out"));
    }

    /**
     * The connect timeout on its own: a listening socket whose accept queue is full (it never accepts) drops further
     * connection attempts, so a connect hangs until the client gives up. With a 300 ms connect timeout and a 30 s read
     * timeout the delivery fails within seconds as a connect timeout (the kernel alone would wait minutes).
     */
    @Test
    void aWebhookThatNeverAcceptsTheConnectionFailsAfterTheConnectTimeoutNotTheReadTimeout() throws Exception {
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> filling = new ArrayList<>();
            try {
                boolean queueFull = false;
                for (int i = 0; i < 16 && !queueFull; i++) {
                    Socket socket = new Socket();
                    filling.add(socket);
                    try {
                        socket.connect(new InetSocketAddress(full.getInetAddress(), full.getLocalPort()), 300);
                    } catch (SocketTimeoutException e) {
                        queueFull = true;
                    }
                }
                assertThat(queueFull).as("the accept queue filled up").isTrue();
                Channel channel = Channel.discord(
                        "discord",
                        URI.create("http://127.0.0.1:" + full.getLocalPort() + "/hook"),
                        Duration.ofMillis(300),
                        Duration.ofSeconds(30));

                long started = System.nanoTime();
                DeliveryResult result = channel.deliver(new Message(
                        Message.Kind.FIRING,
                        Severity.CRITICAL,
                        "t",
                        List.of(critical("connect", "")),
                        0,
                        Duration.ZERO,
                        List.of(),
                        Instant.now()));
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                assertThat(result.outcome()).isEqualTo(DeliveryResult.Outcome.RETRY);
                assertThat(result.detail()).isEqualTo("connect timed out after PT0.3S");
                assertThat(took).isLessThan(Duration.ofSeconds(10));
            } finally {
                for (Socket socket : filling) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void aMessageInFlightWhenTheRouterClosesIsWrittenToTheFile() throws Exception {
        stub.answer("/discord", aResponse().withStatus(204).withFixedDelay(10_000));
        ChannelSettings patient = new ChannelSettings(
                100, 50, 50, 3, Duration.ofMillis(20), Duration.ofMillis(100), 2, Duration.ofMinutes(5));
        router = AlertRouter.builder()
                .channel(Channel.discord("discord", stub.url("/discord"), CONNECT, Duration.ofSeconds(30)), patient)
                .channel(Channel.file("file", dir.resolve("alerts.jsonl"), 1 << 20, 2))
                .route(new Route("chat", Set.of(), Map.of(), List.of("discord"), false, List.of(), Duration.ZERO))
                .build();

        router.send(critical("in-flight", ""));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> stub.requests("/discord").size() == 1);
        router.close();

        assertThat(fileLines()).singleElement().satisfies(line -> {
            assertThat(line.get("fingerprint").asString()).isEqualTo("in-flight");
            assertThat(line.get("reason").asString()).isEqualTo("shut down while delivering");
        });
    }

    @Test
    void theWebhookAddressNeverAppearsInLogsMetricsOrTheFile() throws Exception {
        stub.answer("/api/webhooks/123/secret-token", 401);
        router(List.of(discord("/api/webhooks/123/secret-token")), FAST);

        router.send(critical("secret", ""));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> fileLines().stream().anyMatch(line -> line.has("fallbackFor")));
        router.close();

        List<String> logged = new java.util.ArrayList<>();
        ballastLogs.events().forEach(e -> logged.add(e.getFormattedMessage()));
        alertLogs.events().forEach(e -> logged.add(e.getFormattedMessage()));
        assertThat(logged).isNotEmpty().noneMatch(line -> line.contains("secret-token"));
        assertThat(Files.readString(dir.resolve("alerts.jsonl"))).doesNotContain("secret-token");
        registry.getMeters()
                .forEach(meter -> assertThat(meter.getId().toString()).doesNotContain("secret-token"));
        assertThat(discord("/api/webhooks/123/secret-token").toString()).doesNotContain("secret-token");
    }
}
