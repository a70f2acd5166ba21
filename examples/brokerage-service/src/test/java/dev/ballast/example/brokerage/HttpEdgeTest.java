package dev.ballast.example.brokerage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 15 items 16, 18, 19 and 20, over HTTP against the running example: every error answer is problem details with
 * a {@code code}, also for requests Tomcat rejects before the application (sent through a raw socket, since
 * HttpClient refuses to send them); ids with matrix parameters, unlisted symbols, bodies over 64 KiB and unknown JSON
 * fields are refused and write nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HttpEdgeTest {

    private static final String ORDER = "{\"accountId\": \"A-21\", \"symbol\": \"005930\", \"side\": \"BUY\","
            + " \"quantity\": 10, \"price\": \"71200.00\"}";

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private Environment environment;

    @Autowired
    private JdbcClient jdbc;

    @Test
    void requestsTomcatRejectsBeforeTheApplicationAreProblemDetailsWithACode() throws Exception {
        String longPath = "/api/accounts/A-1" + "1".repeat(70_000);
        for (String line : new String[] {
            "GET /api/accounts/A-1%00 HTTP/1.1",
            "GET /api/accounts/A-1%2F..%2FA-2 HTTP/1.1",
            "GET /api/accounts/A-1%5C..%5CA-2 HTTP/1.1",
            "GET /api/accounts/A-1%zz HTTP/1.1",
            "GET /api/acc\u0001ounts/A-1 HTTP/1.1",
            "GET /api/acc\u00ffounts/A-1 HTTP/1.1",
            "GET " + longPath + " HTTP/1.1",
        }) {
            String shown = line.length() > 60 ? line.substring(0, 60) : line;
            String response = raw(line + "\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(response).as(shown).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
            assertThat(response).as(shown).containsIgnoringCase("Content-Type: application/problem+json");
            assertThat(response).as(shown).containsPattern("\"code\":\"[A-Z_]+\"");
            assertThat(response).as(shown).doesNotContainIgnoringCase("<html").doesNotContain("Tomcat");
        }
        String longHeader = raw("GET /api/accounts/A-1 HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(70_000)
                + "\r\nConnection: close\r\n\r\n");
        assertThat(longHeader).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
        assertThat(longHeader).containsIgnoringCase("Content-Type: application/problem+json");
        assertThat(longHeader).containsPattern("\"code\":\"[A-Z_]+\"");
    }

    @Test
    void aProblemHasOneShapeWhicheverLayerAnswered() throws Exception {
        // a handler's exception (Spring MVC writes it), a path parameter (the edge filter writes it by hand) and an
        // encoded NUL (the container's valve writes it by hand): one set of fields in one order, as a client parses it
        HttpResponse<String> springAnswer = send(get("/api/accounts/A-999999"));
        HttpResponse<String> filterAnswer = send(get("/api/accounts/A-23;v=2"));
        String rawAnswer = raw("GET /api/accounts/A-1%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String valveHead = rawAnswer.substring(0, rawAnswer.indexOf("\r\n\r\n"));
        List<String> spring = fieldNames(springAnswer.body());
        List<String> filter = fieldNames(filterAnswer.body());
        List<String> valve = fieldNames(rawAnswer.substring(rawAnswer.indexOf("\r\n\r\n") + 4));

        assertThat(spring).containsExactly("detail", "instance", "status", "title", "code");
        assertThat(filter).isEqualTo(spring);
        assertThat(valve)
                .as("the valve echoes nothing of the request")
                .containsExactly("detail", "status", "title", "code");
        // and one Content-Type: the valve used to add ";charset=UTF-8", which no other layer sends
        assertThat(springAnswer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(filterAnswer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(valveHead.lines().filter(line -> line.regionMatches(true, 0, "Content-Type:", 0, 13)))
                .containsExactly("Content-Type: application/problem+json");
    }

    /**
     * Found by a black-box check, each placing an order the client could not know of or did not mean: a client that
     * accepts only HTML got 406 after the order was placed; a field given twice was read as its last value; two
     * Idempotency-Key headers became the one key "a,b". Each is refused now, before anything is written.
     */
    @Test
    void anOrderTheClientCannotReadOrStateUnambiguouslyIsRefusedBeforeAnythingIsWritten() throws Exception {
        String html = UUID.randomUUID().toString();
        HttpResponse<String> notAcceptable = send(orderAccepting("text/html", html));
        assertThat(notAcceptable.statusCode()).isEqualTo(406);
        assertThat(notAcceptable.headers().firstValue("Location")).isEmpty();
        assertThat(orders(html)).as("no order behind a 406").isZero();
        // q=0 is "not acceptable" (RFC 9110); Spring's own matching ignores the weight
        String weighed = UUID.randomUUID().toString();
        HttpResponse<String> zeroWeight = send(orderAccepting("application/json;q=0, text/plain", weighed));
        assertThat(zeroWeight.statusCode()).isEqualTo(406);
        assertThat(zeroWeight.body()).contains("\"code\":\"NOT_ACCEPTABLE\"");
        assertThat(orders(weighed)).as("no order behind a 406").isZero();

        String twice = UUID.randomUUID().toString();
        HttpResponse<String> duplicate = send(post("/api/orders", ORDER.replace("}", ", \"quantity\": 20}"), twice));
        assertThat(duplicate.statusCode()).isEqualTo(400);
        assertThat(duplicate.body())
                .contains("\"code\":\"MALFORMED_JSON\"")
                .contains("field 'quantity' appears more than once");
        assertThat(orders(twice)).isZero();

        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        HttpResponse<String> twoKeys = send(HttpRequest.newBuilder(uri("/api/orders"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", first)
                .header("Idempotency-Key", second)
                .POST(HttpRequest.BodyPublishers.ofString(ORDER))
                .build());
        assertThat(twoKeys.statusCode()).isEqualTo(400);
        assertThat(twoKeys.body()).contains("\"code\":\"INVALID_INPUT\"").contains("one Idempotency-Key header");
        assertThat(orders(first) + orders(second) + orders(first + "," + second))
                .isZero();
        HttpResponse<String> twoKeysDeposit = send(HttpRequest.newBuilder(uri("/api/accounts/A-87/deposits"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", first)
                .header("Idempotency-Key", second)
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"5.00\"}"))
                .build());
        assertThat(twoKeysDeposit.statusCode()).isEqualTo(400);
        assertThat(balance("A-87")).isEqualTo("0.00");

        assertThat(send(post("/api/orders", ORDER, html)).statusCode())
                .as("the same key, asked properly, places the order once")
                .isEqualTo(201);
        assertThat(orders(html)).isOne();
    }

    @Test
    void malformedJsonIsA400ProblemWithACode() throws Exception {
        HttpResponse<String> response = send(post("/api/accounts/A-22/deposits", "{\"amount\": ", null));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"code\":\"MALFORMED_JSON\"");
        assertThat(balance("A-22")).isEqualTo("0.00");
    }

    @Test
    void idsWithMatrixParametersAre400AndNothingIsWritten() throws Exception {
        for (String path : new String[] {"/api/accounts/A-23;x=1/deposits", "/api/accounts/A-23;/deposits"}) {
            HttpResponse<String> response = send(post(path, "{\"amount\": \"5.00\"}", null));
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.body()).as(path).contains("\"code\":\"MALFORMED_REQUEST\"");
        }
        assertThat(balance("A-23")).isEqualTo("0.00");
        assertThat(send(get("/api/accounts/A-23;v=2")).statusCode()).isEqualTo(400);
    }

    @Test
    void anOrderForASymbolTheCatalogDoesNotListIs400() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> response = send(post("/api/orders", ORDER.replace("005930", "ZZZ"), key));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"code\":\"INVALID_INPUT\"").contains("ZZZ");
        assertThat(orders(key)).isZero();
    }

    @Test
    void aDepositToAnAccountThatDoesNotExistIs404AndLeavesNoLockKeyBehind() throws Exception {
        HttpResponse<String> response = send(post("/api/accounts/A-777777/deposits", "{\"amount\": \"5.00\"}", null));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("\"code\":\"NOT_FOUND\"").contains("A-777777");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM ballast_lock WHERE lock_key LIKE ?")
                        .param("%A-777777%")
                        .query(Long.class)
                        .single())
                .as("lock rows for the made-up account")
                .isZero();
        assertThat(send(post("/api/accounts/A-26/deposits", "{\"amount\": \"5.00\"}", null))
                        .statusCode())
                .as("a deposit to an existing account")
                .isEqualTo(200);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM ballast_lock WHERE lock_key LIKE ?")
                        .param("%A-26")
                        .query(Long.class)
                        .single())
                .as("the existing account's lock row: the query above can find one")
                .isOne();
    }

    /**
     * Found by a black-box check: the 404 for an id that cannot be an account repeated it, a newline or 300 characters
     * included ("no account A-6\n"). A well-formed unknown id is named (the client may have mistyped it); one that
     * cannot be an id is not repeated, for accounts and orders alike.
     */
    @Test
    void a404ForAnIdThatCannotBeOneDoesNotRepeatIt() throws Exception {
        String longId = "A-6" + "x".repeat(300);
        for (HttpRequest request : new HttpRequest[] {
            post("/api/accounts/A-6%0A/deposits", "{\"amount\": \"5.00\"}", null),
            get("/api/accounts/" + longId),
            get("/api/accounts/%E2%98%83"),
            get("/api/orders/" + "o".repeat(300)),
            get("/api/orders/order%0A1")
        }) {
            HttpResponse<String> response = send(request);
            assertThat(response.statusCode()).as(request.uri().toString()).isEqualTo(404);
            assertThat(response.body()).contains("\"code\":\"NOT_FOUND\"");
            // the detail; the instance is the request's path as sent (percent-encoded, within Tomcat's URI limit)
            String detail = response.body().replaceAll("^.*\"detail\":\"([^\"]*)\".*$", "$1");
            assertThat(detail)
                    .as(request.uri().toString())
                    .startsWith("no such ")
                    .doesNotContain("\\n")
                    .doesNotContain("xxxxxxxxxx")
                    .doesNotContain("oooooooooo")
                    .doesNotContain("\u2603");
        }
        assertThat(send(get("/api/accounts/A-777777")).body()).contains("A-777777");
        assertThat(balance("A-6")).isEqualTo("0.00");
    }

    @Test
    void anInvalidAmountIs400BeforeTheAccountsLockIsTaken() throws Exception {
        for (String amount : new String[] {"\"-1\"", "\"0\"", "\"1.001\""}) {
            HttpResponse<String> response =
                    send(post("/api/accounts/A-27/deposits", "{\"amount\": " + amount + "}", null));
            assertThat(response.statusCode()).as(amount).isEqualTo(400);
            assertThat(response.body()).as(amount).contains("\"code\":\"INVALID_INPUT\"");
        }
        assertThat(lockRows("A-27")).as("lock rows after invalid deposits only").isZero();

        assertThat(send(post("/api/accounts/A-27/deposits", "{\"amount\": \"1.00\"}", null))
                        .statusCode())
                .isEqualTo(200);
        assertThat(lockRows("A-27"))
                .as("the query above can find the account's lock row")
                .isOne();
        assertThat(balance("A-27")).isEqualTo("1.00");
    }

    private long lockRows(String account) {
        return jdbc.sql("SELECT COUNT(*) FROM ballast_lock WHERE lock_key = ?")
                .param("account:" + account)
                .query(Long.class)
                .single();
    }

    @Test
    void aBodyOver64KiBIs413AndWritesNothing() throws Exception {
        String padded = "{\"amount\": \"5.00\"" + " ".repeat(64 * 1024) + "}";
        HttpResponse<String> response = send(post("/api/accounts/A-24/deposits", padded, null));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"code\":\"PAYLOAD_TOO_LARGE\"").contains("65536");

        String chunk = Integer.toHexString(padded.length());
        String chunked = raw("POST /api/accounts/A-24/deposits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk + "\r\n" + padded
                + "\r\n0\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 413").contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
        assertThat(balance("A-24")).isEqualTo("0.00");

        String justUnder = "{\"amount\": \"5.00\"" + " ".repeat(64 * 1024 - 20) + "}";
        assertThat(send(post("/api/accounts/A-24/deposits", justUnder, null)).statusCode())
                .isEqualTo(200);
    }

    /**
     * Found by a black-box check: a chunked body whose chunk size is not hex was answered 503 UNAVAILABLE with
     * Retry-After (its cause, Tomcat's BadRequestException, is an IOException, which reads as an outage) and logged
     * as an ERROR incident.
     */
    @Test
    void aBrokenChunkedBodyIsA400ProblemNotARetryable503AndWritesNothing() throws Exception {
        String broken = raw("POST /api/accounts/A-28/deposits HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n\r\n");

        assertThat(broken).startsWith("HTTP/1.1 400").contains("\"code\":\"MALFORMED_REQUEST\"");
        assertThat(broken).doesNotContain("Retry-After");
        assertThat(balance("A-28")).isEqualTo("0.00");
    }

    @Test
    void unknownJsonFieldsOnCommandEndpointsAre400AndWriteNothing() throws Exception {
        HttpResponse<String> deposit =
                send(post("/api/accounts/A-25/deposits", "{\"amount\": \"5.00\", \"currency\": \"USD\"}", null));
        assertThat(deposit.statusCode()).isEqualTo(400);
        assertThat(deposit.body()).contains("\"code\":\"UNKNOWN_FIELD\"").contains("currency");
        assertThat(balance("A-25")).isEqualTo("0.00");

        String key = UUID.randomUUID().toString();
        HttpResponse<String> order =
                send(post("/api/orders", ORDER.replace("\"side\"", "\"limit\": true, \"side\""), key));
        assertThat(order.statusCode()).isEqualTo(400);
        assertThat(order.body()).contains("\"code\":\"UNKNOWN_FIELD\"").contains("limit");
        assertThat(orders(key)).isZero();
    }

    private String balance(String account) throws Exception {
        HttpResponse<String> response = send(get("/api/accounts/" + account));
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body().replaceAll(".*\"balance\":\"([0-9.]+)\".*", "$1");
    }

    private static List<String> fieldNames(String problem) {
        return JsonMapper.builder().build().readTree(problem).properties().stream()
                .map(Map.Entry::getKey)
                .toList();
    }

    private long orders(String key) {
        return jdbc.sql("SELECT COUNT(*) FROM orders WHERE idempotency_key = ?")
                .param(key)
                .query(Long.class)
                .single();
    }

    private String raw(String request) throws Exception {
        int port = Integer.parseInt(environment.getProperty("local.server.port"));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    answer.write(buffer, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // the server may reset after answering a request it did not read fully; the answer is what counts
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private HttpRequest post(String path, String body, String idempotencyKey) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return builder.build();
    }

    /** The test's order with {@code key}, from a client that takes only what {@code accept} names. */
    private HttpRequest orderAccepting(String accept, String key) {
        return HttpRequest.newBuilder(uri("/api/orders"))
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(ORDER))
                .build();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(uri(path)).GET().build();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
