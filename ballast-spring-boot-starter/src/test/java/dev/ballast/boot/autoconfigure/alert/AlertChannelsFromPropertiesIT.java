package dev.ballast.boot.autoconfigure.alert;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.MutableClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 12, "Done when": a service routes its alerts to Discord, Slack, a signed webhook and the file by configuration
 * alone ({@code ballast.alert.channels.*}, {@code ballast.alert.routes}), and each channel sends exactly the sample
 * message docs/alerting.md shows: the sample alert, repeated 37 times within the dedup window on the injected clock
 * ({@code ballastAlertClock}), is posted over real HTTP to a WireMock standalone server standing in for each receiver,
 * and the Discord stub's 503s put the documented fallback line into the file.
 */
class AlertChannelsFromPropertiesIT {

    private static final Instant AT = Instant.parse("2026-11-30T09:15:00Z");
    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private final WireMockServer stub =
            new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));

    @AfterEach
    void stop() {
        stub.stop();
    }

    @Test
    void discordSlackTheWebhookAndTheFileConfiguredByPropertiesSendTheDocumentedSamples() throws Exception {
        stub.start();
        stub.stubFor(post(urlPathEqualTo("/discord")).willReturn(aResponse().withStatus(503)));
        stub.stubFor(post(urlPathEqualTo("/slack")).willReturn(aResponse().withStatus(200)));
        stub.stubFor(post(urlPathEqualTo("/pager")).willReturn(aResponse().withStatus(204)));
        String base = "http://127.0.0.1:" + stub.port();
        Path file = dir.resolve("ballast-alerts.jsonl");
        MutableClock clock = new MutableClock(AT.minus(Duration.ofMinutes(5)));

        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(BallastAlertAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(BallastAlertAutoConfiguration.CLOCK_BEAN, Clock.class, () -> clock)
                .withPropertyValues(
                        "ballast.instance-name=orders-1",
                        "ballast.alert.channels.discord.type=discord",
                        "ballast.alert.channels.discord.url=" + base + "/discord",
                        "ballast.alert.channels.discord.max-attempts=2",
                        "ballast.alert.channels.discord.backoff-base=10ms",
                        "ballast.alert.channels.slack.type=slack",
                        "ballast.alert.channels.slack.url=" + base + "/slack",
                        "ballast.alert.channels.pager.type=webhook",
                        "ballast.alert.channels.pager.url=" + base + "/pager",
                        "ballast.alert.channels.pager.secret=" + SECRET,
                        "ballast.alert.file.path=" + file,
                        "ballast.alert.routes[0].name=critical",
                        "ballast.alert.routes[0].severities=CRITICAL",
                        "ballast.alert.routes[0].channels=discord,slack,pager",
                        "ballast.alert.routes[0].group-wait=0s")
                .run(context -> {
                    AlertSink sink = context.getBean(AlertSink.class);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    sink.send(sample());
                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> requests("/pager").size() == 1);
                    for (int i = 0; i < 37; i++) {
                        sink.send(sample());
                    }
                    await().atMost(Duration.ofSeconds(20))
                            .until(() ->
                                    registry.find("ballast.alert.suppressed").tag("reason", "dedup").counters().stream()
                                                    .mapToDouble(c -> c.count())
                                                    .sum()
                                            == 37);
                    clock.advance(Duration.ofMinutes(5));
                    sink.send(sample());
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> requests("/slack").size() == 2
                                    && requests("/pager").size() == 2
                                    && requests("/discord").size() == 4
                                    && lines(file).size() == 2);
                });

        List<String> docs = sampleBlocks();
        LoggedRequest discord = requests("/discord").get(3);
        assertThat(discord.getUrl()).isEqualTo("/discord?with_components=true");
        assertThat(JSON.readTree(discord.getBodyAsString())).isEqualTo(JSON.readTree(docs.get(0)));
        assertThat(JSON.readTree(requests("/slack").get(1).getBodyAsString())).isEqualTo(JSON.readTree(docs.get(1)));

        LoggedRequest pager = requests("/pager").get(1);
        assertThat(JSON.readTree(pager.getBodyAsString())).isEqualTo(JSON.readTree(docs.get(3)));
        String timestamp = pager.getHeader("X-Ballast-Timestamp");
        assertThat(Long.parseLong(timestamp))
                .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(120L));
        assertThat(pager.getHeader("X-Ballast-Signature"))
                .isEqualTo("sha256=" + hmac(timestamp + "." + pager.getBodyAsString()));
        assertThat(docs.get(2)).contains("X-Ballast-Signature: sha256=" + hmac("1796030100." + body(docs.get(3))));

        JsonNode fallback = JSON.readTree(lines(file).get(1));
        assertThat(fallback).isEqualTo(JSON.readTree(docs.get(4)));
    }

    /** The alert of docs/alerting.md's "Sample messages". */
    private static Alert sample() {
        return Alert.builder(Severity.CRITICAL, "Outbox dead letters: 3 unresolved")
                .detail("Events gave up after their attempts; their aggregates wait behind them.")
                .context(new TaskContext("Order", "Publish", "O-1042"))
                .fingerprint("outbox-dead-letters")
                .label("module", "outbox")
                .timestamp(AT)
                .action(new AlertAction(
                        "Replay dead letters",
                        URI.create("https://brokerage.example/ballast/actions/eyJ2IjoxLCJr.c2ln")))
                .action(new AlertAction(
                        "Runbook", URI.create("https://docs.example/runbooks.md#ballastoutboxdeadletters")))
                .build();
    }

    private List<LoggedRequest> requests(String path) {
        return stub.findAll(postRequestedFor(urlPathEqualTo(path)));
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** The compact form the webhook signs, of a pretty-printed sample. */
    private static String body(String pretty) {
        return JSON.writeValueAsString(JSON.readTree(pretty));
    }

    private static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The code blocks of docs/alerting.md's "Sample messages": Discord, Slack, webhook headers, webhook body, file. */
    private static List<String> sampleBlocks() throws Exception {
        Path docs = Path.of("").toAbsolutePath();
        while (!Files.exists(docs.resolve("docs/alerting.md"))) {
            docs = docs.getParent();
        }
        String page = Files.readString(docs.resolve("docs/alerting.md"));
        String section = page.substring(page.indexOf("## Sample messages"), page.indexOf("## Actionable alerts"));
        List<String> blocks = new ArrayList<>();
        Matcher block = Pattern.compile("(?s)```(?:json)?\\n(.*?)```").matcher(section);
        while (block.find()) {
            blocks.add(block.group(1));
        }
        assertThat(blocks).hasSize(5);
        return blocks;
    }
}
