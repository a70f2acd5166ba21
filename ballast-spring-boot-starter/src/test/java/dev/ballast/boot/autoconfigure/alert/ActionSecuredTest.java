package dev.ballast.boot.autoconfigure.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.config.Customizer.withDefaults;

import dev.ballast.alert.action.ActionLedger;
import dev.ballast.alert.action.ActionOperation;
import dev.ballast.alert.action.ActionSigner;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.MutableClock;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * With Spring Security in the application, an action link is performed only by a signed-in user with the configured
 * role, through the confirmation page's form (CSRF token included), and the ledger records who did it; an expired,
 * changed or used link is refused with 410, 403 or 409 and a problem {@code code}. A real server on a random port,
 * Spring Security's own filter chain and HTTP Basic users; the alerting beans read the time from a clock the test moves
 * (the {@code ballastAlertClock} bean).
 */
@SpringBootTest(
        classes = ActionSecuredTest.App.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "ballast.alert.service=brokerage",
            "ballast.alert.actions.enabled=true",
            "ballast.alert.actions.base-url=https://svc.example",
            "ballast.alert.actions.keys.k1=" + ActionSecuredTest.KEY,
            "ballast.alert.file.path=target/action-secured-alerts.jsonl",
            "ballast.outbox.enabled=false"
        })
class ActionSecuredTest {

    static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    private static final Pattern CSRF = Pattern.compile("name=\"(_csrf)\" value=\"([^\"]+)\"");

    @LocalServerPort
    int port;

    @Autowired
    ActionSigner signer;

    @Autowired
    AtomicInteger performed;

    @Autowired
    MutableClock clock;

    @Autowired
    ActionLedger ledger;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean(name = BallastAlertAutoConfiguration.CLOCK_BEAN)
        MutableClock ballastAlertClock() {
            return new MutableClock(Instant.parse("2026-12-01T03:00:00Z"));
        }

        @Bean
        AtomicInteger performed() {
            return new AtomicInteger();
        }

        @Bean
        ActionOperation counting(AtomicInteger performed) {
            return new ActionOperation() {
                @Override
                public String name() {
                    return "test.count";
                }

                @Override
                public String describe(Map<String, String> arguments) {
                    return "Count once";
                }

                @Override
                public String perform(Map<String, String> arguments, String actor) {
                    return "Counted " + performed.incrementAndGet() + " for " + actor;
                }
            };
        }

        @Bean
        UserDetailsService users() {
            return new InMemoryUserDetailsManager(
                    User.withUsername("olivia")
                            .password("{noop}secret")
                            .roles("BALLAST_OPERATOR")
                            .build(),
                    User.withUsername("victor")
                            .password("{noop}secret")
                            .roles("VIEWER")
                            .build());
        }

        @Bean
        SecurityFilterChain security(HttpSecurity http) throws Exception {
            http.authorizeHttpRequests(requests -> requests.requestMatchers("/error")
                            .permitAll()
                            .anyRequest()
                            .authenticated())
                    .httpBasic(withDefaults());
            return http.build();
        }
    }

    /** A browser of one user: keeps its session cookie, sends HTTP Basic credentials (or none). */
    private final class Browser {
        private final HttpClient http =
                HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        private final String authorization;

        Browser(String user) {
            this.authorization = user == null
                    ? null
                    : "Basic "
                            + Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
        }

        HttpResponse<String> get(String path) throws Exception {
            return send(request(path).GET());
        }

        /** A POST as an API client: asks for JSON, sends the session's CSRF token as a header. */
        HttpResponse<String> postForProblem(String path, String csrfToken) throws Exception {
            return send(request(path)
                    .setHeader("Accept", "application/json")
                    .header("X-CSRF-TOKEN", csrfToken)
                    .POST(HttpRequest.BodyPublishers.noBody()));
        }

        HttpResponse<String> post(String path, String form) throws Exception {
            return send(request(path)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)));
        }

        private HttpRequest.Builder request(String path) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Accept", "text/html");
            return authorization == null ? builder : builder.header("Authorization", authorization);
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private String link() {
        Alert alert = Alert.builder(Severity.WARNING, "pool saturated")
                .fingerprint("fp-secured")
                .build();
        String url = signer.link(alert, AlertAction.operation("Count", "test.count", Map.of()))
                .orElseThrow()
                .url()
                .toString();
        return url.substring("https://svc.example".length());
    }

    private static String csrfToken(HttpResponse<String> page) {
        Matcher token = CSRF.matcher(page.body());
        assertThat(token.find())
                .as("the confirmation page carries a CSRF token: %s", page.body())
                .isTrue();
        return token.group(2);
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"code\":\"" + code + "\"").contains("\"status\":" + status);
    }

    private static String nonce(String path) {
        String payload = path.substring(path.lastIndexOf('/') + 1, path.indexOf('.'));
        String json = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8);
        Matcher nonce = Pattern.compile("\"n\":\"([^\"]+)\"").matcher(json);
        assertThat(nonce.find()).as(json).isTrue();
        return nonce.group(1);
    }

    @Test
    void anExpiredLinkIsGoneOverHttpItsPageSaysSoAndNothingRunsOrIsRecorded() throws Exception {
        String expired = link();
        int before = performed.get();
        Browser operator = new Browser("olivia");
        String csrf = csrfToken(operator.get(link()));
        clock.advance(Duration.ofHours(24).plusMinutes(1)); // ballast.alert.actions.ttl defaults to 24 h

        HttpResponse<String> page = operator.get(expired);
        assertThat(page.statusCode()).isEqualTo(410);
        assertThat(page.body()).contains("This action link expired at").doesNotContain("method=\"post\"");

        assertProblem(operator.postForProblem(expired, csrf), 410, "ACTION_TOKEN_EXPIRED");
        assertThat(performed).hasValue(before);
        assertThat(ledger.find(nonce(expired)))
                .as("nothing recorded for the expired link")
                .isEmpty();
    }

    @Test
    void aChangedLinkIsForbiddenAndASecondPostConflictsOverHttp() throws Exception {
        Browser operator = new Browser("olivia");
        String path = link();
        String csrf = csrfToken(operator.get(path));
        int before = performed.get();

        String tampered = path.substring(0, path.length() - 3) + (path.endsWith("AAA") ? "BBB" : "AAA");
        assertProblem(operator.postForProblem(tampered, csrf), 403, "ACTION_TOKEN_INVALID");
        assertThat(performed).hasValue(before);

        HttpResponse<String> done = operator.postForProblem(path, csrf);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("\"outcome\":\"DONE\"");
        assertProblem(operator.postForProblem(path, csrf), 409, "ACTION_ALREADY_DONE");
        assertThat(performed).hasValue(before + 1);
    }

    private static String csrfForm(HttpResponse<String> page) {
        Matcher token = CSRF.matcher(page.body());
        assertThat(token.find())
                .as("the confirmation page carries a CSRF token: %s", page.body())
                .isTrue();
        return token.group(1) + "=" + URLEncoder.encode(token.group(2), StandardCharsets.UTF_8);
    }

    @Test
    void onlyASignedInUserWithTheRolePerformsTheActionThroughThePagesForm() throws Exception {
        String path = link();
        int before = performed.get();

        Browser anonymous = new Browser(null);
        assertThat(anonymous.get(path).statusCode()).as("anonymous page").isEqualTo(401);
        assertThat(anonymous.post(path, "").statusCode()).as("anonymous POST").isEqualTo(403);

        Browser viewer = new Browser("victor");
        HttpResponse<String> viewerPage = viewer.get(path);
        assertThat(viewerPage.statusCode()).isEqualTo(200);
        HttpResponse<String> refused = viewer.post(path, csrfForm(viewerPage));
        assertThat(refused.statusCode()).as("a user without the role").isEqualTo(403);
        assertThat(refused.body()).contains("role BALLAST_OPERATOR");

        Browser operator = new Browser("olivia");
        HttpResponse<String> page = operator.get(path);
        assertThat(operator.post(path, "").statusCode())
                .as("a POST without the page's CSRF token")
                .isEqualTo(403);
        assertThat(performed).hasValue(before);

        HttpResponse<String> done = operator.post(path, csrfForm(page));
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body())
                .as("the operation ran once, for the signed-in user")
                .contains("Counted " + (before + 1) + " for olivia");
        assertThat(performed).hasValue(before + 1);
    }
}
