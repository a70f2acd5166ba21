package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.Environment;

/** The example's HTTP contract, on embedded defaults. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class BrokerageApplicationTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Test
    void healthIsUp() throws Exception {
        HttpResponse<String> response = get("/actuator/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\":\"UP\"");
    }

    @Test
    void anInstrumentLookupRunsThroughTheTaskAnnotationAndShowsInPrometheus() throws Exception {
        HttpResponse<String> found = get("/api/instruments/005930");

        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body()).contains("\"symbol\":\"005930\"").contains("\"name\":\"Samsung Electronics\"");
        String prometheus = get("/actuator/prometheus").body();
        assertThat(prometheus)
                .containsPattern(
                        "ballast_task_seconds_count\\{[^}]*domain=\"Instrument\"[^}]*outcome=\"success\"[^}]*task=\"Lookup\"[^}]*} [1-9]")
                .as("each task is timed once, as ballast_task_seconds")
                .doesNotContain("ballast_execution_seconds")
                .doesNotContain("ballast_execution_active_seconds");
    }

    @Test
    void theInstrumentListRunsThroughTheExecutor() throws Exception {
        HttpResponse<String> list = get("/api/instruments");

        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"AAPL\"").contains("\"005930\"");
        assertThat(get("/actuator/prometheus").body())
                .containsPattern("ballast_task_seconds_count\\{[^}]*task=\"List\"[^}]*} [1-9]");
    }

    @Test
    void anUnknownSymbolIs404ProblemDetailsAndAStructuredLogLineWithDomainTaskAndId(CapturedOutput output)
            throws Exception {
        HttpResponse<String> missing = get("/api/instruments/NOPE");

        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(missing.body()).contains("\"code\":\"NOT_FOUND\"").contains("no instrument with symbol NOPE");
        assertThat(output.getOut())
                .containsPattern("\\{[^\\n]*\"domain\":\"Instrument\"[^\\n]*\"id\":\"NOPE\"[^\\n]*\\}")
                .containsPattern("\\{[^\\n]*\"task\":\"Lookup\"[^\\n]*\\}");
    }

    @Test
    void aMalformedSymbolIs400() throws Exception {
        HttpResponse<String> bad = get("/api/instruments/bad%20symbol");

        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"code\":\"INVALID_INPUT\"");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
        return http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
