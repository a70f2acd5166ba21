package dev.ballast.example.brokerage.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.action.ActionSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An operator runs an action no alert offers: {@code POST /actuator/ballastactions} signs a link to it, and the link is
 * performed like an alert's button (its page, a POST, once, audited with the requester). Over HTTP against the
 * running example, with the outbox relay's pause and resume; requests that cannot give a working link are 400
 * problems with a {@code code}, and nothing is signed.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "ballast.alert.file.path=target/actions-actuator-http/alerts.jsonl",
            "ballast.alert.actions.enabled=true",
            "ballast.alert.actions.base-url=https://brokerage.example",
            "ballast.alert.actions.keys.k1=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            "management.endpoints.web.exposure.include=health,outbox,ballastactions,ballastsilences",
            "management.endpoint.ballastactions.access=unrestricted",
            "management.endpoint.ballastsilences.access=unrestricted"
        })
class ActionsActuatorHttpTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private ActionSigner signer;

    @Test
    void anOperatorSignsALinkToPauseTheRelayPerformsItOnceAndResumesItTheSameWay() throws Exception {
        JsonNode listed = JSON.readTree(
                get("/actuator/ballastactions", "application/json").body());
        assertThat(listed.get("operations").valueStream().map(JsonNode::asString))
                .contains("outbox.relay.pause", "outbox.relay.resume", "executor.resize");

        HttpResponse<String> signed = signLink("{\"operation\": \"outbox.relay.pause\", \"requestedBy\": \"ops-kim\"}");
        assertThat(signed.statusCode()).isEqualTo(200);
        JsonNode link = JSON.readTree(signed.body());
        assertThat(link.get("operation").asString()).isEqualTo("outbox.relay.pause");
        assertThat(link.get("requestedBy").asString()).isEqualTo("ops-kim");
        assertThat(link.get("description").asString()).isNotBlank();
        assertThat(link.get("url").asString()).startsWith("https://brokerage.example/ballast/actions/");
        assertThat(Instant.parse(link.get("expiresAt").asString()))
                .isBetween(
                        Instant.now().plus(Duration.ofHours(23)), Instant.now().plus(Duration.ofHours(25)));
        assertThat(relayPaused()).isFalse();

        String path = URI.create(link.get("url").asString()).getPath();
        HttpResponse<String> page = get(path, "text/html");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<form");
        assertThat(relayPaused()).as("the page changes nothing").isFalse();

        HttpResponse<String> performed = post(path, "");
        assertThat(performed.statusCode()).isEqualTo(200);
        JsonNode record = JSON.readTree(performed.body());
        assertThat(record.get("outcome").asString()).isEqualTo("DONE");
        assertThat(record.get("fingerprint").asString()).isEqualTo("actuator|ops-kim");
        assertThat(relayPaused()).isTrue();

        HttpResponse<String> again = post(path, "");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(again.body()).get("code").asString()).isEqualTo("ACTION_ALREADY_DONE");
        String token = path.substring(path.lastIndexOf('/') + 1);
        assertThat(again.body()).as("the token is the capability: never echoed").doesNotContain(token);
        assertThat(JSON.readTree(again.body()).get("instance").asString()).isEqualTo("/ballast/actions");

        String resume = linkPath("outbox.relay.resume");
        assertThat(post(resume, "").statusCode()).isEqualTo(200);
        assertThat(relayPaused()).isFalse();
    }

    @Test
    void aRequestThatCannotGiveAWorkingLinkIsAProblemNamingWhy() throws Exception {
        assertInvalid(
                "{\"operation\": \"outbox.relay.explode\", \"requestedBy\": \"ops-kim\"}",
                "No operation 'outbox.relay.explode' here; this service has [");
        assertInvalid("{\"operation\": \"outbox.relay.pause\"}", "requestedBy is required");
        assertInvalid(
                "{\"operation\": \"executor.resize\", \"arguments\": \"pool\", \"requestedBy\": \"ops-kim\"}",
                "Argument 'pool' is not name=value");
        assertInvalid(
                "{\"operation\": \"executor.resize\", \"arguments\": \"pool=a,pool=b\", \"requestedBy\": \"ops-kim\"}",
                "Argument 'pool' is given twice");
        // the embedded example runs its locks on one backend: there is no mode to move, and the link would not work
        assertInvalid(
                "{\"operation\": \"lock.mode\", \"arguments\": \"mode=FALLBACK\", \"requestedBy\": \"ops-kim\"}",
                "Operation 'lock.mode' does not take {mode=FALLBACK}: Locks here run on");
    }

    @Test
    void aFieldTheWriteDoesNotTakeIsRefusedByNameNotDroppedAndNothingIsSignedOrSilenced() throws Exception {
        // found by a black-box check: Spring's actuator dropped unknown fields, so a typo was lost without a word
        HttpResponse<String> typo = signLink(
                "{\"operation\": \"outbox.relay.pause\", \"requestedBy\": \"ops-kim\", \"argumnets\": \"x=1\"}");
        assertThat(typo.statusCode()).as(typo.body()).isEqualTo(400);
        assertThat(typo.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(typo.body());
        assertThat(problem.get("code").asString()).isEqualTo("UNKNOWN_FIELD");
        assertThat(problem.get("detail").asString())
                .isEqualTo("Unknown field 'argumnets'; this operation takes operation, arguments, requestedBy");
        assertThat(typo.body()).doesNotContain("/ballast/actions/");
        HttpResponse<String> many = signLink("{\"operation\": \"outbox.relay.pause\", \"requestedBy\": \"ops-kim\", "
                + IntStream.range(0, 8).mapToObj(i -> "\"f" + i + "\": 1").collect(Collectors.joining(", "))
                + "}");
        assertThat(JSON.readTree(many.body()).get("detail").asString())
                .startsWith("Unknown fields 'f0', 'f1', 'f2', 'f3', 'f4' and 3 more; this operation takes");

        HttpResponse<String> silence = send("POST", "/actuator/ballastsilences", """
                {"matchers": "fingerprint=outbox-relay-paused", "duration": "PT1H", "createdBy": "ops-kim",
                 "coment": "maintenance", "durration": "PT5M"}""");
        assertThat(silence.statusCode()).as(silence.body()).isEqualTo(400);
        assertThat(JSON.readTree(silence.body()).get("code").asString()).isEqualTo("UNKNOWN_FIELD");
        assertThat(JSON.readTree(silence.body()).get("detail").asString())
                .startsWith("Unknown fields 'coment', 'durration'; this operation takes matchers, duration, createdBy");
        assertThat(JSON.readTree(get("/actuator/ballastsilences", "application/json")
                                .body())
                        .size())
                .as("nothing silenced")
                .isZero();

        HttpResponse<String> valid = send("POST", "/actuator/ballastsilences", """
                {"matchers": "fingerprint=outbox-relay-paused", "duration": "PT1H", "createdBy": "ops-kim",
                 "comment": "maintenance"}""");
        assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
        String id = JSON.readTree(valid.body()).get("id").asString();
        assertThat(send("DELETE", "/actuator/ballastsilences/" + id, null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aSignedLinkThisServiceCannotPerformIsRefusedOnItsPageNotA500() throws Exception {
        // as a Prometheus rule's action_arguments can name a pool this service does not have
        String url = signer.link("executor.resize", Map.of("pool", "noSuchPool"), "alertmanager|x")
                .orElseThrow()
                .toString();
        String path = URI.create(url).getPath();

        HttpResponse<String> problem = get(path, "application/json");
        assertThat(problem.statusCode()).as(problem.body()).isEqualTo(422);
        assertThat(JSON.readTree(problem.body()).get("code").asString()).isEqualTo("ACTION_NOT_APPLICABLE");
        assertThat(JSON.readTree(problem.body()).get("detail").asString())
                .startsWith(
                        "This link cannot be performed here: No executor bean named 'noSuchPool'; resizable here: [");

        HttpResponse<String> page = get(path, "text/html");
        assertThat(page.statusCode()).isEqualTo(422);
        assertThat(page.body()).contains("No executor bean named").doesNotContain("<form");

        // and its POST does not run it (found by a black-box check: it ran, used the link up and answered 409)
        HttpResponse<String> posted = post(path, "");
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(422);
        assertThat(JSON.readTree(posted.body()).get("code").asString()).isEqualTo("ACTION_NOT_APPLICABLE");
        assertThat(post(path, "").statusCode()).as("not used up").isEqualTo(422);
    }

    @Test
    void aMethodOrPathALinkDoesNotTakeIsAProblemThatNeverEchoesTheLinksToken() throws Exception {
        // found by a black-box check: Spring's 405 for a PUT named the whole path, the token included, as its instance
        String path = linkPath("outbox.relay.pause");
        String token = path.substring(path.lastIndexOf('/') + 1);
        Map<String, HttpResponse<String>> answers = Map.of(
                "PUT", send("PUT", path, "{}"),
                "DELETE", send("DELETE", path, null),
                "GET under the link", get(path + "/more", "application/json"),
                "path parameter", get(path + ";x=1", "application/json"));
        Map<String, Integer> statuses = answers.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().statusCode()));
        assertThat(statuses)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("PUT", 405, "DELETE", 405, "GET under the link", 404, "path parameter", 400));
        answers.forEach((what, answer) -> {
            assertThat(answer.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(type -> assertThat(type)
                    .startsWith("application/problem+json"));
            assertThat(answer.body()).as(what).doesNotContain(token).contains("\"code\"");
            assertThat(JSON.readTree(answer.body()).get("instance").asString())
                    .as(what)
                    .isEqualTo("/ballast/actions");
        });
        assertThat(relayPaused()).as("none of them performed the link").isFalse();
    }

    @Test
    void aClientThatTakesNeitherAPageNorJsonIsRefusedBeforeTheActionAndTheLinkStillWorks() throws Exception {
        // found by a black-box check: Accept: text/plain paused the relay, used the link up, then answered 406
        String path = linkPath("outbox.relay.pause");
        for (String accept : new String[] {"text/plain", "image/png"}) {
            HttpResponse<String> refused = http.send(
                    HttpRequest.newBuilder(uri(path))
                            .header("Accept", accept)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(accept).isEqualTo(406);
            assertThat(refused.body()).as(accept).contains("NOT_ACCEPTABLE");
        }
        assertThat(relayPaused()).as("the action did not run").isFalse();

        assertThat(post(path, "").statusCode()).as("the link was not used up").isEqualTo(200);
        assertThat(relayPaused()).isTrue();
        String resume = linkPath("outbox.relay.resume");
        assertThat(post(resume, "").statusCode()).isEqualTo(200);
    }

    /**
     * Found by a black-box check: curl's default {@code Accept: *}{@code /*} got 500 INTERNAL_ERROR from a link's GET and
     * POST, the POST having paused the relay all the same, so an operator was told it failed when it had worked.
     */
    @Test
    void aClientThatTakesAnyTypeGetsTheLinksJsonAndTheActionsRecordNotA500() throws Exception {
        String path = linkPath("outbox.relay.pause");

        HttpResponse<String> shown = get(path, "*/*");
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        assertThat(JSON.readTree(shown.body()).get("operation").asString()).isEqualTo("outbox.relay.pause");
        HttpResponse<String> performed = http.send(
                HttpRequest.newBuilder(uri(path))
                        .header("Accept", "*/*")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(performed.statusCode()).as(performed.body()).isEqualTo(200);
        assertThat(performed.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(JSON.readTree(performed.body()).get("outcome").asString()).isEqualTo("DONE");
        assertThat(relayPaused()).isTrue();
        assertThat(post(linkPath("outbox.relay.resume"), "").statusCode()).isEqualTo(200);
    }

    private void assertInvalid(String body, String detail) throws Exception {
        HttpResponse<String> refused = signLink(body);
        assertThat(refused.statusCode()).as(body).isEqualTo(400);
        assertThat(refused.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.get("code").asString()).isEqualTo("INVALID_INPUT");
        assertThat(problem.get("detail").asString()).contains(detail);
        assertThat(refused.body()).doesNotContain("/ballast/actions/");
    }

    private boolean relayPaused() throws Exception {
        return JSON.readTree(get("/actuator/outbox", "application/json").body())
                .at("/relays/thisInstance/paused")
                .asBoolean();
    }

    /** The path of a link signed through the actuator for {@code operation}, requested by ops-kim. */
    private String linkPath(String operation) throws Exception {
        HttpResponse<String> signed = signLink("{\"operation\": \"" + operation + "\", \"requestedBy\": \"ops-kim\"}");
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        return URI.create(JSON.readTree(signed.body()).get("url").asString()).getPath();
    }

    private HttpResponse<String> signLink(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri("/actuator/ballastactions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path)).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
    }
}
