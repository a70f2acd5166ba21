package dev.ballast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.forAll;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.incrementUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The brokerage mix against the example's real API, open model (arrivals per second, not a fixed pool of users):
 *
 * <ul>
 *   <li>70 % {@code GET /api/quotes/{symbol}}, Zipf over the 5 listed symbols;
 *   <li>20 % {@code POST /api/orders} with an {@code Idempotency-Key}: new keys expect 201; 2 % repeat a key that
 *       already got its 201 and expect 200 with the same {@code orderId}; 0.5 % send an invalid quantity and expect 400
 *       {@code INVALID_INPUT};
 *   <li>8 % {@code POST /api/accounts/{id}/deposits}, Zipf over A-1..A-100 (a few hot accounts contend for the lock);
 *   <li>2 % {@code GET /api/accounts/{id}}.
 * </ul>
 *
 * <p>The deliberate 400s and 200s are checked as such, so every request Gatling counts as failed is a real error.
 * Profiles ({@code -Dload.profile}): {@code smoke} (20/s for 30 s, asserts 0 failed; run in CI), {@code constant}
 * ({@code -Dload.rate}, {@code -Dload.duration} seconds) and {@code ramp} (from {@code -Dload.rate} by
 * {@code -Dload.step} per level, {@code -Dload.levels} levels of {@code -Dload.duration} seconds). Targets: the
 * comma-separated {@code -Dload.baseUrls}, or else one embedded instance of {@code -Dload.jar} that this simulation
 * starts on a free port and stops at the end.
 */
public class BrokerageMixSimulation extends Simulation {

    private final Targets targets = Targets.fromSystemProperties();
    private final Mix mix = new Mix();
    private final Stats stats = new Stats();

    private final ChainBuilder quote = exec(http("quote")
                    .get(session -> "/api/quotes/" + mix.symbol())
                    .check(
                            responseTimeInMillis().saveAs("rt"),
                            status().is(200),
                            jsonPath("$.price").exists()))
            .exec(session -> stats.record("quote", session));

    private final ChainBuilder order = exec(session -> session.setAll(mix.order()))
            .exec(http("order")
                    .post("/api/orders")
                    .header("Idempotency-Key", "#{key}")
                    .body(StringBody("#{body}"))
                    .check(responseTimeInMillis().saveAs("rt"))
                    .check(status().is(session -> session.getInt("expectStatus")))
                    .checkIf(session -> session.getBoolean("invalid"))
                    .then(jsonPath("$.code").is("INVALID_INPUT"))
                    .checkIf(session -> session.getBoolean("repeat"))
                    .then(jsonPath("$.orderId").isEL("#{expectOrderId}"))
                    .check(jsonPath("$.orderId").optional().saveAs("orderId")))
            .exec(session -> stats.record("order", mix.recordOrder(session)));

    private final ChainBuilder deposit = exec(http("deposit")
                    .post(session -> "/api/accounts/" + mix.account() + "/deposits")
                    .body(StringBody("{\"amount\":\"10.00\"}"))
                    .check(
                            responseTimeInMillis().saveAs("rt"),
                            status().is(200),
                            jsonPath("$.balance").exists()))
            .exec(session -> stats.record("deposit", session));

    private final ChainBuilder account = exec(http("account")
                    .get(session -> "/api/accounts/" + mix.account())
                    .check(
                            responseTimeInMillis().saveAs("rt"),
                            status().is(200),
                            jsonPath("$.balance").exists()))
            .exec(session -> stats.record("account", session));

    private final ScenarioBuilder brokerage = scenario("brokerage mix")
            .randomSwitch()
            .on(
                    percent(70.0).then(quote),
                    percent(20.0).then(order),
                    percent(8.0).then(deposit),
                    percent(2.0).then(account));

    {
        HttpProtocolBuilder protocol = http.baseUrls(targets.baseUrls())
                .acceptHeader("application/json")
                .contentTypeHeader("application/json")
                .userAgentHeader("ballast-loadtest");
        Profile profile = Profile.fromSystemProperties();
        setUp(brokerage.injectOpen(profile.injection())).protocols(protocol).assertions(profile.assertions());
    }

    @Override
    public void before() {
        targets.start();
        System.out.println(
                "load: targets " + targets.baseUrls() + ", upstream calls before: " + targets.upstreamCalls());
    }

    @Override
    public void after() {
        try {
            double upstream = targets.upstreamCallsSinceStart();
            double cpuNanos = targets.cpuNanosSinceStart();
            long[] statements = targets.statementsSinceStart();
            System.out.println("load: upstream calls during the run: " + upstream + "; process CPU of the targets: "
                    + Math.round(cpuNanos / 1e6) + " ms; database statements (all, without transaction control): "
                    + (statements == null ? "not read" : statements[0] + ", " + statements[1]) + "; orders "
                    + mix.summary());
            String summary = System.getProperty("load.summary", "").trim();
            if (!summary.isEmpty()) { // read by scripts/load-test next to Gatling's own stats.json
                String cpu = Double.isNaN(cpuNanos) ? "null" : String.valueOf(cpuNanos);
                String db = statements == null
                        ? "null"
                        : "{\"all\":" + statements[0] + ",\"withoutTransactionControl\":" + statements[1] + "}";
                Files.writeString(
                        Path.of(summary),
                        "{\"upstreamCalls\":" + upstream + ",\"cpuNanos\":" + cpu + ",\"dbStatements\":" + db + ","
                                + mix.summaryJson() + "," + stats.json() + "}\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            targets.close();
        }
    }

    /** The injection profile and its assertions. */
    record Profile(String name, List<OpenInjectionStep> injection, List<Assertion> assertions) {

        static Profile fromSystemProperties() {
            String name = System.getProperty("load.profile", "smoke");
            double rate = Double.parseDouble(System.getProperty("load.rate", "20"));
            Duration duration = Duration.ofSeconds(Long.getLong("load.duration", 60));
            List<Assertion> noErrors = List.of(global().failedRequests().count().is(0L));
            return switch (name) {
                case "smoke" ->
                    new Profile(name, List.of(constantUsersPerSec(20).during(Duration.ofSeconds(30))), noErrors);
                case "constant" ->
                    new Profile(
                            name,
                            List.of(constantUsersPerSec(rate).during(duration)),
                            List.of(global().failedRequests().percent().lt(0.1)));
                case "ramp" -> {
                    double step = Double.parseDouble(System.getProperty("load.step", "25"));
                    int levels = Integer.getInteger("load.levels", 6);
                    List<Assertion> report = new ArrayList<>();
                    for (String request : List.of("quote", "order", "deposit", "account")) {
                        report.add(
                                details(request).responseTime().percentile(99.0).gte(0));
                    }
                    report.add(forAll().failedRequests().percent().gte(0.0));
                    yield new Profile(
                            name,
                            List.of(incrementUsersPerSec(step)
                                    .times(levels)
                                    .eachLevelLasting(duration)
                                    .separatedByRampsLasting(Duration.ofSeconds(5))
                                    .startingFrom(rate)),
                            report);
                }
                default ->
                    throw new IllegalArgumentException(
                            "load.profile must be smoke, constant or ramp, was '" + name + "'");
            };
        }
    }
}
