package dev.ballast.example.brokerage.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.LogCapture;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 12 point 4 over HTTP against the running example: a silence added with {@code POST /actuator/ballastsilences}
 * mutes matching alerts (counted as {@code ballast.alert.suppressed{reason=silenced}}) and not others, is listed by
 * GET, and once ended with DELETE the same alert is delivered again.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "ballast.alert.file.path=target/silences-http/alerts.jsonl")
class SilencesActuatorHttpTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @RegisterExtension
    final LogCapture alertLog = LogCapture.of("ballast.alert");

    @Autowired
    private Environment environment;

    @Autowired
    private AlertSink sink;

    @Autowired
    private MeterRegistry registry;

    @Test
    void aSilenceAddedThroughTheActuatorMutesMatchingAlertsUntilItIsDeleted() throws Exception {
        double silencedBefore = count("ballast.alert.suppressed", "reason", "silenced");
        HttpResponse<String> added = send(HttpRequest.newBuilder(uri("/actuator/ballastsilences"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"matchers\": \"module=cache,severity=WARNING\","
                        + " \"duration\": \"2h\", \"createdBy\": \"alice\", \"comment\": \"Redis upgrade\"}"))
                .build());
        assertThat(added.statusCode()).isEqualTo(200);
        String id = JSON.readTree(added.body()).get("id").asString();

        JsonNode listed = JSON.readTree(
                send(HttpRequest.newBuilder(uri("/actuator/ballastsilences")).build())
                        .body());
        assertThat(listed).singleElement().satisfies(silence -> {
            assertThat(silence.get("id").asString()).isEqualTo(id);
            assertThat(silence.get("createdBy").asString()).isEqualTo("alice");
            assertThat(silence.get("matchers").get("module").asString()).isEqualTo("cache");
        });

        sink.send(warning("cache-breaker|quotes", "cache"));
        sink.send(warning("lock-lease-lost|redis", "lock"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> count("ballast.alert.suppressed", "reason", "silenced") == silencedBefore + 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> logged("lock-lease-lost|redis"));
        assertThat(logged("cache-breaker|quotes")).isFalse();

        HttpResponse<String> deleted = send(HttpRequest.newBuilder(uri("/actuator/ballastsilences/" + id))
                .DELETE()
                .build());
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(deleted.body()).get("expired").asBoolean()).isTrue();
        assertThat(JSON.readTree(send(HttpRequest.newBuilder(uri("/actuator/ballastsilences"))
                                .build())
                        .body()))
                .isEmpty();

        sink.send(warning("cache-breaker|orders", "cache"));
        await().atMost(Duration.ofSeconds(10)).until(() -> logged("cache-breaker|orders"));
        assertThat(count("ballast.alert.suppressed", "reason", "silenced")).isEqualTo(silencedBefore + 1);
    }

    @Test
    void aSilenceThatCannotBeTakenIsAProblemNamingWhyNotA500() throws Exception {
        assertInvalid("{\"matchers\": \"module\", \"duration\": \"2h\", \"createdBy\": \"alice\"}", "is not key=value");
        assertInvalid(
                "{\"matchers\": \"module=cache\", \"duration\": \"soon\", \"createdBy\": \"alice\"}",
                "Duration 'soon' is not like 30m, 2h or PT2H");
        assertInvalid(
                "{\"matchers\": \"module=cache\", \"duration\": \"30d\", \"createdBy\": \"alice\"}",
                "Silence duration must be 1s to 7 days");
        assertInvalid(
                "{\"matchers\": \"module=a,module=b\", \"duration\": \"2h\", \"createdBy\": \"alice\"}",
                "Matcher key 'module' is given twice");
        assertInvalid(
                "{\"matchers\": \"severity=LOUD\", \"duration\": \"2h\", \"createdBy\": \"alice\"}",
                "Severity 'LOUD' is none of [CRITICAL, WARNING, INFO]");
        assertInvalid(
                "{\"matchers\": \"module=cache\", \"duration\": \"2h\", \"createdBy\": \"ali\\nce\"}",
                "createdBy must be 1 to 80 printable characters");
        assertInvalid(
                "{\"matchers\": \"module=cache\", \"duration\": \"2h\", \"createdBy\": \"alice\", \"comment\": \""
                        + "x".repeat(1001) + "\"}",
                "comment must be at most 1000 characters");
        assertThat(JSON.readTree(send(HttpRequest.newBuilder(uri("/actuator/ballastsilences"))
                                .build())
                        .body()))
                .as("nothing was added")
                .isEmpty();

        HttpResponse<String> unknown = send(HttpRequest.newBuilder(uri("/actuator/ballastsilences/no-such-silence"))
                .DELETE()
                .build());
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).get("code").asString()).isEqualTo("NOT_FOUND");
    }

    @Test
    void aSeverityMatcherIsReadInAnyCaseAndMatchesAlertsOfThatSeverity() throws Exception {
        HttpResponse<String> added = send(HttpRequest.newBuilder(uri("/actuator/ballastsilences"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"matchers\": \"module=payments,severity=warning\","
                        + " \"duration\": \"1h\", \"createdBy\": \"alice\"}"))
                .build());
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        JsonNode silence = JSON.readTree(added.body());
        assertThat(silence.get("matchers").get("severity").asString()).isEqualTo("WARNING");

        double before = count("ballast.alert.suppressed", "reason", "silenced");
        sink.send(warning("payments-lag|x", "payments"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> count("ballast.alert.suppressed", "reason", "silenced") == before + 1);
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/ballastsilences/"
                                        + silence.get("id").asString()))
                                .DELETE()
                                .build())
                        .statusCode())
                .isEqualTo(200);
    }

    private void assertInvalid(String body, String detail) throws Exception {
        HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/actuator/ballastsilences"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.get("code").asString()).isEqualTo("INVALID_INPUT");
        assertThat(problem.get("detail").asString()).contains(detail);
    }

    /** Whether the log channel (no chat channel is configured: WARNING goes to the log) wrote that alert. */
    private boolean logged(String fingerprint) {
        return alertLog.events().stream()
                .anyMatch(event -> event.getFormattedMessage().contains("Silence test " + fingerprint));
    }

    private static Alert warning(String fingerprint, String module) {
        return Alert.builder(Severity.WARNING, "Silence test " + fingerprint)
                .fingerprint(fingerprint)
                .label("module", module)
                .build();
    }

    private double count(String name, String tag, String value) {
        return registry.find(name).tag(tag, value).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
    }
}
