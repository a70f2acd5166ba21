package dev.ballast.boot.autoconfigure.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.action.ActionOperation;
import dev.ballast.alert.action.ActionService;
import dev.ballast.alert.action.ActionSigner;
import dev.ballast.alert.rules.AlertRules;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

class BallastAlertWebTest {

    static final String KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    @TempDir
    Path dir;

    private final AtomicInteger performed = new AtomicInteger();

    private WebApplicationContextRunner runner() {
        return new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastAlertAutoConfiguration.class, BallastAlertActionsAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("ballast.alert.file.path=" + dir.resolve("alerts.jsonl"));
    }

    private ActionOperation counting() {
        return new ActionOperation() {
            @Override
            public String name() {
                return "test.count";
            }

            @Override
            public String describe(Map<String, String> arguments) {
                return "Count <once> for " + arguments.get("who");
            }

            @Override
            public String perform(Map<String, String> arguments, String actor) {
                return "Counted " + performed.incrementAndGet();
            }
        };
    }

    @Test
    void actionsAreOffUnlessEnabledAndEnabledWithoutAKeyFailsNamingTheProperty() {
        runner().run(context -> {
            assertThat(context).doesNotHaveBean(ActionService.class);
            assertThat(context).hasSingleBean(AlertRules.class);
            assertThat(context.getBean(AlertRules.class).rules()).hasSize(6);
        });
        runner().withPropertyValues("ballast.alert.actions.enabled=true", "ballast.alert.actions.base-url=https://s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ballast.alert.actions.keys"));
    }

    @Test
    void aShortActionKeyFailsStartUpNamingItsPropertyAndNotShowingTheValue() {
        // found by a black-box check: the failure named only ballast.alert.actions
        String shortKey = Base64.getEncoder().encodeToString("Sekr3t-12byte".getBytes());
        runner().withPropertyValues(
                        "ballast.alert.actions.enabled=true",
                        "ballast.alert.actions.base-url=https://s.example",
                        "ballast.alert.actions.keys.k1=" + shortKey)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ballast.alert.actions.keys.k1")
                        .hasMessageContaining("shorter than 32 bytes")
                        .hasMessageNotContaining(shortKey));
    }

    @Test
    void aBaseUrlThatCannotBeALinksBaseFailsStartUpNamingThePropertyAndNotShowingTheValue() {
        // found by black-box checks: "127.0.0.1:18105" named ballast.alert.actions with a parser's message, "ftp://..."
        // named the parent property and printed the value, and "http://user:pw@..." was taken into every link
        Map<String, String> why = Map.of(
                "127.0.0.1:18105", "must be an absolute http(s) URL",
                "ftp://secret-host.example:21/", "must be an absolute http(s) URL",
                "https://", "must be an absolute http(s) URL",
                "http://ops:secret-pw@127.0.0.1:18105", "must not carry a user name or password");
        why.forEach((value, message) -> runner().withPropertyValues(
                        "ballast.alert.actions.enabled=true",
                        "ballast.alert.actions.base-url=" + value,
                        "ballast.alert.actions.keys.k1=" + KEY)
                .run(context -> assertThat(context)
                        .getFailure()
                        .as(value)
                        .rootCause()
                        .hasMessageContaining("ballast.alert.actions.base-url")
                        .hasMessageContaining(message)
                        .hasMessageNotContaining("secret")));
    }

    @Test
    void withTheAuditDatabaseDownABrowserGetsAPageAndAnApiClientAProblemAndNothingRuns() {
        // found by a black-box check: a person who clicked a chat button during a database outage got raw JSON
        dev.ballast.alert.action.ActionLedger down = new dev.ballast.alert.action.ActionLedger() {
            @Override
            public boolean claim(dev.ballast.alert.action.ActionRecord record) {
                throw new org.springframework.dao.DataAccessResourceFailureException("Connection refused: db:5432");
            }

            @Override
            public void finish(
                    String nonce,
                    java.time.Instant at,
                    dev.ballast.alert.action.ActionRecord.Outcome outcome,
                    String result) {
                throw new org.springframework.dao.DataAccessResourceFailureException("Connection refused: db:5432");
            }

            @Override
            public java.util.Optional<dev.ballast.alert.action.ActionRecord> find(String nonce) {
                throw new org.springframework.dao.DataAccessResourceFailureException("Connection refused: db:5432");
            }
        };
        runner().withConfiguration(
                        AutoConfigurations.of(dev.ballast.boot.autoconfigure.web.BallastWebAutoConfiguration.class))
                .withPropertyValues(
                        "ballast.alert.actions.enabled=true",
                        "ballast.alert.actions.base-url=https://svc.example",
                        "ballast.alert.actions.keys.k1=" + KEY)
                .withBean("counting", ActionOperation.class, this::counting)
                .withBean(dev.ballast.alert.action.ActionLedger.class, () -> down)
                .run(context -> {
                    MockMvc mvc = MockMvcBuilders.standaloneSetup(context.getBean(ActionController.class))
                            .build();
                    String path = java.net
                            .URI
                            .create(context.getBean(ActionSigner.class)
                                    .link("test.count", Map.of("who", "me"), "rule|x")
                                    .orElseThrow()
                                    .toString())
                            .getPath();

                    for (var request : List.of(get(path), post(path))) {
                        var page = mvc.perform(request.accept(MediaType.TEXT_HTML))
                                .andReturn()
                                .getResponse();
                        assertThat(page.getStatus()).isEqualTo(503);
                        assertThat(page.getContentType()).startsWith("text/html");
                        assertThat(page.getHeader("Retry-After")).isNotBlank();
                        assertThat(page.getContentAsString(java.nio.charset.StandardCharsets.UTF_8))
                                .contains("Service Unavailable")
                                .contains("incident")
                                .contains("Open the link again shortly")
                                .doesNotContain("db:5432");

                        var problem = mvc.perform(request.accept(MediaType.APPLICATION_JSON))
                                .andReturn()
                                .getResponse();
                        assertThat(problem.getStatus()).isEqualTo(503);
                        assertThat(problem.getContentType()).startsWith("application/problem+json");
                        assertThat(problem.getContentAsString()).contains("\"code\":\"UNAVAILABLE\"");
                    }
                    assertThat(performed).hasValue(0);
                });
    }

    @Test
    void theLinkShowsAPageThatChangesNothingAndItsPostPerformsOnce() {
        runner().withPropertyValues(
                        "ballast.alert.service=brokerage",
                        "ballast.alert.actions.enabled=true",
                        "ballast.alert.actions.base-url=https://svc.example",
                        "ballast.alert.actions.keys.k1=" + KEY)
                .withBean("counting", ActionOperation.class, this::counting)
                .run(context -> {
                    MockMvc mvc = MockMvcBuilders.standaloneSetup(context.getBean(ActionController.class))
                            .build();
                    Alert alert = Alert.builder(Severity.WARNING, "x")
                            .fingerprint("fp")
                            .build();
                    String url = context.getBean(ActionSigner.class)
                            .link(alert, AlertAction.operation("Count", "test.count", Map.of("who", "<b>me</b>")))
                            .orElseThrow()
                            .url()
                            .toString();
                    String path = url.substring("https://svc.example".length());

                    assertThat(call(mvc, get(path).accept(MediaType.TEXT_HTML), 200))
                            .contains("Count &lt;once&gt; for &lt;b&gt;me&lt;/b&gt;")
                            .contains("method=\"post\"");
                    call(mvc, get(path).accept(MediaType.TEXT_HTML), 200);
                    assertThat(call(mvc, get(path).accept(MediaType.APPLICATION_JSON), 200))
                            .contains("\"operation\":\"test.count\"")
                            .contains("\"arguments\":{\"who\":\"<b>me</b>\"}")
                            .contains("\"used\":false")
                            .doesNotContain("<html");
                    assertThat(performed).hasValue(0);

                    assertThat(call(mvc, post(path).accept(MediaType.APPLICATION_JSON), 200))
                            .contains("\"result\":\"Counted 1\"")
                            .contains("\"outcome\":\"DONE\"");
                    assertThat(call(mvc, post(path).accept(MediaType.APPLICATION_JSON), 409))
                            .contains("\"code\":\"ACTION_ALREADY_DONE\"");
                    assertThat(call(mvc, get(path).accept(MediaType.TEXT_HTML), 200))
                            .contains("Already done");
                    assertThat(call(mvc, get(path).accept(MediaType.APPLICATION_JSON), 200))
                            .contains("\"used\":true")
                            .contains("\"outcome\":\"DONE\"")
                            .contains("\"result\":\"Counted 1\"");
                    String tampered = path.substring(0, path.length() - 3) + (path.endsWith("AAA") ? "BBB" : "AAA");
                    assertThat(call(mvc, post(tampered).accept(MediaType.APPLICATION_JSON), 403))
                            .contains("\"code\":\"ACTION_TOKEN_INVALID\"");
                    assertThat(performed).hasValue(1);
                });
    }

    @Test
    void alertmanagerPostsReachTheSinkAndBadOnesAreProblems() {
        List<Alert> received = new CopyOnWriteArrayList<>();
        runner().withBean("recording", AlertSink.class, () -> received::add)
                .withPropertyValues("ballast.alert.alertmanager.token=t0ken")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(AlertRouter.class);
                    MockMvc mvc = MockMvcBuilders.standaloneSetup(context.getBean(AlertmanagerReceiver.class))
                            .build();
                    String body = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
                            + "\"labels\":{\"alertname\":\"A\",\"severity\":\"critical\"},\"annotations\":{}}]}";

                    assertThat(call(
                                    mvc,
                                    post("/ballast/alertmanager")
                                            .contentType(MediaType.APPLICATION_JSON)
                                            .content(body),
                                    401))
                            .contains("\"code\":\"ALERTMANAGER_UNAUTHORIZED\"");
                    assertThat(call(
                                    mvc,
                                    post("/ballast/alertmanager")
                                            .header("Authorization", "Bearer t0ken")
                                            .contentType(MediaType.APPLICATION_JSON)
                                            .content("{\"version\":\"2\"}"),
                                    400))
                            .contains("\"code\":\"ALERTMANAGER_PAYLOAD_INVALID\"");
                    // found by a black-box check: an empty body was the web layer's MALFORMED_JSON
                    assertThat(call(
                                    mvc,
                                    post("/ballast/alertmanager")
                                            .header("Authorization", "Bearer t0ken")
                                            .contentType(MediaType.APPLICATION_JSON),
                                    400))
                            .contains("\"code\":\"ALERTMANAGER_PAYLOAD_INVALID\"")
                            .contains("The body is empty");
                    for (String wrong : List.of("Bearer t0ke", "Bearer t0kenn", "Basic t0ken", "t0ken", "Bearer ")) {
                        assertThat(call(
                                        mvc,
                                        post("/ballast/alertmanager")
                                                .header("Authorization", wrong)
                                                .contentType(MediaType.APPLICATION_JSON)
                                                .content(body),
                                        401))
                                .as(wrong)
                                .contains("\"code\":\"ALERTMANAGER_UNAUTHORIZED\"");
                    }
                    assertThat(call(
                                    mvc,
                                    post("/ballast/alertmanager")
                                            .header("Authorization", "Bearer t0ken")
                                            .contentType(MediaType.APPLICATION_JSON)
                                            .content(body),
                                    200))
                            .contains("\"received\":1");
                    // the scheme's case does not matter (found by a black-box check: "bearer" was refused)
                    assertThat(call(
                                    mvc,
                                    post("/ballast/alertmanager")
                                            .header("Authorization", "bearer t0ken")
                                            .contentType(MediaType.APPLICATION_JSON)
                                            .content(body),
                                    200))
                            .contains("\"received\":1");
                    // a client that takes no JSON is refused before its alerts are routed
                    call(
                            mvc,
                            post("/ballast/alertmanager")
                                    .header("Authorization", "Bearer t0ken")
                                    .accept(MediaType.TEXT_PLAIN)
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .content(body),
                            406);
                    assertThat(received).hasSize(2).allSatisfy(a -> assertThat(a.severity())
                            .isEqualTo(Severity.CRITICAL));
                });
    }

    @Test
    void withoutATokenAnAlertmanagerPostArrivesMarkedUnverifiedWithoutButtonsOrLinks() {
        // found by black-box checks: an unauthenticated POST came out in chat with a signed "pause the relay" link, and
        // with a "Prometheus" button pointing wherever the sender liked
        String body = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
                + "\"labels\":{\"alertname\":\"X\",\"severity\":\"critical\"},\"annotations\":{\"summary\":"
                + "\"Please click\",\"description\":\"see [here](HTTPS://evil.example/d) or http://evil.example/e\","
                + "\"action\":\"outbox.relay.pause\"},\"generatorURL\":\"https://prom.example/g\"}]}";
        for (String token : new String[] {null, "t0ken"}) {
            List<Alert> received = new CopyOnWriteArrayList<>();
            WebApplicationContextRunner runner = runner().withBean("recording", AlertSink.class, () -> received::add);
            if (token != null) {
                runner = runner.withPropertyValues("ballast.alert.alertmanager.token=" + token);
            }
            runner.run(context -> {
                MockMvc mvc = MockMvcBuilders.standaloneSetup(context.getBean(AlertmanagerReceiver.class))
                        .build();
                var request = post("/ballast/alertmanager")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(body);
                if (token != null) {
                    request = request.header("Authorization", "Bearer " + token);
                }
                call(mvc, request, 200);
            });
            assertThat(received).singleElement().satisfies(alert -> {
                if (token == null) {
                    assertThat(alert.title()).isEqualTo("Unverified: Please click");
                    assertThat(alert.detail())
                            .as("URLs in the text defanged: no chat renders them as links")
                            .isEqualTo("see [here](hxxps://evil.example/d) or hxxp://evil.example/e");
                    assertThat(alert.actions())
                            .as("no button, no link without a token")
                            .isEmpty();
                } else {
                    assertThat(alert.title()).isEqualTo("Please click");
                    assertThat(alert.detail()).contains("HTTPS://evil.example/d");
                    assertThat(alert.actions())
                            .extracting(AlertAction::label)
                            .containsExactly("Prometheus", "Pause the relay");
                }
            });
        }
    }

    private static String call(
            MockMvc mvc, org.springframework.test.web.servlet.RequestBuilder request, int expectedStatus)
            throws Exception {
        var response = mvc.perform(request).andReturn().getResponse();
        String body = response.getContentAsString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(response.getStatus()).as(body).isEqualTo(expectedStatus);
        return body;
    }
}
