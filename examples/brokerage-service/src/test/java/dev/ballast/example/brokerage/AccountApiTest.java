package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/** The accounts contract of issue 4: seeded accounts, lock-guarded deposits, 404/400 as problem details. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AccountApiTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Test
    void seededAccountsStartAtZero() throws Exception {
        HttpResponse<String> account = send(get("/api/accounts/A-100"));

        assertThat(account.statusCode()).isEqualTo(200);
        assertThat(account.body()).isEqualTo("{\"accountId\":\"A-100\",\"balance\":\"0.00\"}");
    }

    @Test
    void aDepositAddsToTheBalance() throws Exception {
        HttpResponse<String> deposit = send(deposit("A-3", "{\"amount\": \"10.00\"}"));

        assertThat(deposit.statusCode()).isEqualTo(200);
        assertThat(deposit.body()).isEqualTo("{\"accountId\":\"A-3\",\"balance\":\"10.00\"}");
        assertThat(send(get("/api/accounts/A-3")).body()).contains("\"balance\":\"10.00\"");
    }

    @Test
    void aBurstOfTwoHundredConcurrentDepositsIsQueuedNotShedAndEveryOneCounted() throws Exception {
        // on the default load shedding (8 in progress, 500 queued for up to 5 s) and the account lock serialising them
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            inFlight.add(
                    http.sendAsync(deposit("A-7", "{\"amount\": \"1.25\"}"), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : inFlight) {
            assertThat(response.get().statusCode()).isEqualTo(200);
        }

        assertThat(send(get("/api/accounts/A-7")).body()).contains("\"balance\":\"250.00\"");
    }

    @Test
    void unknownAccountsAre404() throws Exception {
        assertThat(send(get("/api/accounts/A-101")).statusCode()).isEqualTo(404);
        assertThat(send(get("/api/accounts/B-1")).statusCode()).isEqualTo(404);
        HttpResponse<String> deposit = send(deposit("A-101", "{\"amount\": \"1.00\"}"));
        assertThat(deposit.statusCode()).isEqualTo(404);
        assertThat(deposit.body()).contains("\"code\":\"NOT_FOUND\"");
    }

    @Test
    void invalidAmountsAre400ProblemDetailsAndChangeNothing() throws Exception {
        for (String body : List.of(
                "{\"amount\": \"-5.00\"}",
                "{\"amount\": \"0\"}",
                "{\"amount\": \"1.001\"}",
                "{\"amount\": \"ten\"}",
                "{}",
                "not json")) {
            HttpResponse<String> response = send(deposit("A-9", body));
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).as(body).hasValue("application/problem+json");
        }
        assertThat(send(get("/api/accounts/A-9")).body()).contains("\"balance\":\"0.00\"");
    }

    @Test
    void aRefusedDepositIsCountedByTheDepositTaskAsABusinessFailure() throws Exception {
        // the checks that run before the account's lock (id shape, amount, existence) are inside the task, so the
        // task's metrics see every refused deposit, as they see every refused order
        double before = depositFailures("ClientException");

        assertThat(send(deposit("B-1", "{\"amount\": \"1.00\"}")).statusCode()).isEqualTo(404);
        assertThat(send(deposit("A-101", "{\"amount\": \"1.00\"}")).statusCode())
                .isEqualTo(404);
        assertThat(send(deposit("A-12", "{\"amount\": \"-1.00\"}")).statusCode())
                .isEqualTo(400);
        assertThat(send(deposit("A-12", "{}")).statusCode()).isEqualTo(400);

        assertThat(depositFailures("ClientException") - before).isEqualTo(4.0);
        assertThat(send(get("/api/accounts/A-12")).body()).contains("\"balance\":\"0.00\"");
    }

    /** The count of {@code Account.Deposit} failures with this exception, as Prometheus scrapes it. */
    private double depositFailures(String exception) throws Exception {
        Matcher series = Pattern.compile("ballast_task_seconds_count\\{([^}]*)} ([0-9.E+]+)")
                .matcher(send(get("/actuator/prometheus")).body());
        double count = 0;
        while (series.find()) {
            String tags = series.group(1);
            if (tags.contains("domain=\"Account\"")
                    && tags.contains("task=\"Deposit\"")
                    && tags.contains("outcome=\"failure\"")
                    && tags.contains("category=\"business\"")
                    && tags.contains("exception=\"" + exception + "\"")) {
                count += Double.parseDouble(series.group(2));
            }
        }
        return count;
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
    }

    private HttpRequest deposit(String accountId, String json) {
        return HttpRequest.newBuilder(uri("/api/accounts/" + accountId + "/deposits"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
