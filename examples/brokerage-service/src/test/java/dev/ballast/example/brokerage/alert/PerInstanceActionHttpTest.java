package dev.ballast.example.brokerage.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.example.brokerage.BrokerageApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two instances of the example behind one public address (the same {@code base-url}, as behind a load balancer), one
 * database and the same signing key: a link to an operation that changes only the instance performing it
 * ({@code executor.resize}, {@code cache.breaker}) is bound to the instance that signed it. Found by a black-box
 * check: "Close the breaker" from instance A's alert, clicked through to B, answered DONE, used the link up and left
 * A's breaker held. Now B refuses it (422 {@code ACTION_WRONG_INSTANCE}, on its page and its POST) without using it
 * up, and A performs it and says so. Over HTTP only; the pool's size is read from each instance's
 * {@code /actuator/metrics}.
 */
class PerInstanceActionHttpTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String POOL = "marketDataBulkhead";

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aResizeLinkSignedOnOneInstanceIsRefusedOnTheOtherWithoutBeingUsedUpAndResizesOnlyItsOwnPool()
            throws Exception {
        try (ConfigurableApplicationContext a = start("inst-a");
                ConfigurableApplicationContext b = start("inst-b")) {
            int portA = port(a);
            int portB = port(b);
            assertThat(poolMax(portA)).isEqualTo(4);
            assertThat(poolMax(portB)).isEqualTo(4);
            // what the shipped pool saturation rule joins on (job, instance) to bind its button to the instance
            for (var instance : List.of(Map.entry(portA, "inst-a"), Map.entry(portB, "inst-b"))) {
                assertThat(send(instance.getKey(), "GET", "/actuator/prometheus", null, "text/plain")
                                .body())
                        .containsPattern(
                                "(?m)^ballast_instance\\{instance_name=\"" + instance.getValue() + "\"\\} 1(\\.0)?$");
            }

            HttpResponse<String> signed = send(portA, "POST", "/actuator/ballastactions", """
                    {"operation": "executor.resize", "arguments": "pool=marketDataBulkhead,max=6",
                     "requestedBy": "ops-kim"}""", "application/json");
            assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
            JsonNode link = JSON.readTree(signed.body());
            assertThat(link.get("description").asString()).endsWith(" Instance: inst-a.");
            // found by a black-box check: the answer's arguments left out the instance the signer had added
            assertThat(link.get("arguments").get("instance").asString()).isEqualTo("inst-a");
            String path = URI.create(link.get("url").asString()).getPath();

            HttpResponse<String> pageOnB = send(portB, "GET", path, null, "text/html");
            assertThat(pageOnB.statusCode()).isEqualTo(422);
            assertThat(pageOnB.body()).contains("acts on instance").doesNotContain("<form");
            for (int attempt = 0; attempt < 2; attempt++) {
                HttpResponse<String> postOnB = send(portB, "POST", path, "", "application/json");
                assertThat(postOnB.statusCode()).as(postOnB.body()).isEqualTo(422);
                assertThat(postOnB.headers().firstValue("Content-Type"))
                        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
                JsonNode problem = JSON.readTree(postOnB.body());
                assertThat(problem.get("code").asString()).isEqualTo("ACTION_WRONG_INSTANCE");
                assertThat(problem.get("detail").asString())
                        .startsWith("This link acts on instance 'inst-a' and reached instance 'inst-b': nothing was"
                                + " done and the link still works.");
            }
            assertThat(poolMax(portB)).as("B's pool untouched").isEqualTo(4);
            assertThat(poolMax(portA)).as("A's pool not yet resized").isEqualTo(4);

            HttpResponse<String> postOnA = send(portA, "POST", path, "", "application/json");
            assertThat(postOnA.statusCode()).as(postOnA.body()).isEqualTo(200);
            JsonNode record = JSON.readTree(postOnA.body());
            assertThat(record.get("outcome").asString()).isEqualTo("DONE");
            assertThat(record.get("result").asString())
                    .isEqualTo("Executor 'marketDataBulkhead' pool size (core and maximum) 4 \u2192 6 (instance"
                            + " inst-a)");
            assertThat(poolMax(portA)).isEqualTo(6);
            assertThat(poolMax(portB)).isEqualTo(4);

            HttpResponse<String> againOnB = send(portB, "POST", path, "", "application/json");
            assertThat(againOnB.statusCode()).as("used up, wherever it lands").isEqualTo(409);
            assertThat(JSON.readTree(againOnB.body()).get("code").asString()).isEqualTo("ACTION_ALREADY_DONE");

            // found by a black-box check: a link inst-b signed for inst-a (now at 6) said "from 4 to 8", inst-b's pool
            HttpResponse<String> signedOnB = send(portB, "POST", "/actuator/ballastactions", """
                    {"operation": "executor.resize", "arguments": "pool=marketDataBulkhead,instance=inst-a",
                     "requestedBy": "ops-kim"}""", "application/json");
            assertThat(signedOnB.statusCode()).as(signedOnB.body()).isEqualTo(200);
            assertThat(JSON.readTree(signedOnB.body()).get("description").asString())
                    .isEqualTo("Runs 'executor.resize' with {pool=marketDataBulkhead} on instance inst-a; that"
                            + " instance checks it and shows what it will do when the link is opened there."
                            + " Instance: inst-a.");
            String forA = URI.create(JSON.readTree(signedOnB.body()).get("url").asString())
                    .getPath();
            HttpResponse<String> pageOnA = send(portA, "GET", forA, null, "application/json");
            assertThat(pageOnA.statusCode()).as(pageOnA.body()).isEqualTo(200);
            assertThat(JSON.readTree(pageOnA.body()).get("description").asString())
                    .startsWith("Raise the pool size (core and maximum) of executor 'marketDataBulkhead' from 6 to 12");
        }
    }

    /**
     * Found by a black-box check: Alertmanager posts to one receiver address, so the pool rule's button bound to the
     * saturated inst-a was signed by inst-b and pointed at inst-b, which answered 422. Each instance has its own base
     * URL here (as the docs ask for bound buttons) and records it in the database they share; the button inst-b signs
     * for inst-a points at inst-a's.
     */
    @Test
    void aButtonAlertmanagerRelaysToAnotherInstancePointsAtTheInstanceItIsBoundTo() throws Exception {
        try (ConfigurableApplicationContext a = start("inst-a", "https://inst-a.brokerage.example");
                ConfigurableApplicationContext b = start("inst-b", "https://inst-b.brokerage.example")) {
            int portB = port(b);
            Path alertsOfB = Path.of("target/per-instance-action-http/inst-b-alerts.jsonl");
            long before =
                    Files.exists(alertsOfB) ? Files.readAllLines(alertsOfB).size() : 0;

            HttpResponse<String> posted = send(
                    portB,
                    "POST",
                    "/ballast/alertmanager",
                    """
                    {"version": "4", "status": "firing", "alerts": [{"status": "firing",
                      "labels": {"alertname": "BallastExecutorPoolSaturated", "severity": "critical",
                                 "name": "marketDataBulkhead", "instance_name": "inst-a"},
                      "annotations": {"summary": "Executor pool marketDataBulkhead saturated on inst-a",
                                      "action": "executor.resize",
                                      "action_arguments": "pool=marketDataBulkhead,instance=inst-a"},
                      "startsAt": "2026-12-05T22:00:00Z", "fingerprint": "pool-a-%s"}]}""".formatted(System.nanoTime()),
                    "application/json",
                    "Bearer per-instance-token");
            assertThat(posted.statusCode()).as(posted.body()).isLessThan(300);

            JsonNode message = awaitMessage(alertsOfB, before, "saturated on inst-a");
            JsonNode button = message.get("actions").get(0);
            assertThat(button.get("label").asString()).isEqualTo("Raise the pool (inst-a)");
            assertThat(button.get("url").asString()).startsWith("https://inst-a.brokerage.example/ballast/actions/");
            // and it works there: the path on inst-a's port
            String path = URI.create(button.get("url").asString()).getPath();
            assertThat(send(port(a), "POST", path, "", "application/json").statusCode())
                    .isEqualTo(200);
            assertThat(poolMax(port(a))).isEqualTo(8);
            assertThat(poolMax(portB)).isEqualTo(4);
        }
    }

    /** The first message titled with {@code title} in {@code file} after its first {@code skip} lines, within 30 s. */
    private static JsonNode awaitMessage(Path file, long skip, String title) {
        return await().atMost(Duration.ofSeconds(30))
                .until(() -> message(file, skip, title), Optional::isPresent)
                .orElseThrow();
    }

    /** That message, if it is in {@code file} now. */
    private static Optional<JsonNode> message(Path file, long skip, String title) throws Exception {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(file);
        for (String line : lines.subList((int) Math.min(skip, lines.size()), lines.size())) {
            JsonNode message = JSON.readTree(line);
            if (message.path("title").asString("").contains(title)) {
                return Optional.of(message);
            }
        }
        return Optional.empty();
    }

    private static ConfigurableApplicationContext start(String instance) {
        return start(instance, "https://brokerage.example");
    }

    private static ConfigurableApplicationContext start(String instance, String baseUrl) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--ballast.instance-name=" + instance,
                "--brokerage.marketdata.url=http://127.0.0.1:9/unused",
                "--ballast.alert.file.path=target/per-instance-action-http/" + instance + "-alerts.jsonl",
                "--ballast.alert.actions.enabled=true",
                "--ballast.alert.actions.base-url=" + baseUrl,
                "--ballast.alert.alertmanager.token=per-instance-token",
                "--ballast.alert.actions.keys.k1=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "--management.endpoints.web.exposure.include=health,metrics,prometheus,ballastactions",
                "--management.endpoint.ballastactions.access=unrestricted"));
        return new SpringApplicationBuilder(BrokerageApplication.class).run(args.toArray(String[]::new));
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    private int poolMax(int port) throws Exception {
        HttpResponse<String> metric =
                send(port, "GET", "/actuator/metrics/executor.pool.max?tag=name:" + POOL, null, "application/json");
        assertThat(metric.statusCode()).as(metric.body()).isEqualTo(200);
        return (int) JSON.readTree(metric.body()).at("/measurements/0/value").asDouble();
    }

    private HttpResponse<String> send(int port, String method, String path, String body, String accept)
            throws Exception {
        return send(port, method, path, body, accept, null);
    }

    private HttpResponse<String> send(
            int port, String method, String path, String body, String accept, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", accept)
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null && !body.isEmpty()) {
            request.header("Content-Type", "application/json");
        }
        return http.send(
                request.method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
