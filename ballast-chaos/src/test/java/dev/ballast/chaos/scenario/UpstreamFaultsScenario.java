package dev.ballast.chaos.scenario;

import dev.ballast.chaos.AllowedStatuses;
import dev.ballast.chaos.BoundedLatency;
import dev.ballast.chaos.BoundedRecovery;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FastFailures;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.Operation;
import dev.ballast.chaos.Scenario;
import dev.ballast.test.ChildService;
import dev.ballast.test.FaultProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The market-data upstream behind the quotes as a real HTTP server in the test JVM ({@link MarketDataStub}), reached by
 * the instances through a {@link FaultProxy} ({@code brokerage.marketdata.url}), under quote load while it fails or
 * slows down. Hypotheses: a failing upstream is not hammered by the service however often clients ask (the failure
 * backoff per symbol, the retry budget and the cache's single flight bound the calls), and clients get quick 503s,
 * never 500s; a slow upstream fills the bulkhead in front of it, not the service: clients wait at most the request
 * timeout, and the pool saturation alert tells a person, with its "Raise the pool" action.
 */
@ExtendWith(ChaosReport.class)
class UpstreamFaultsScenario {

    private static final int CLIENTS = 6;
    /** Between a client's requests: clients that ignore Retry-After and ask again at once, about 50 times a second. */
    private static final Duration PAUSE = Duration.ofMillis(20);

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);
    /** The catalogue's symbols, which the quote load asks for round-robin. */
    private static final int SYMBOLS = 5;
    /** The example's defaults, which these scenarios leave alone. */
    private static final Duration FAILURE_BACKOFF = Duration.ofSeconds(1);

    private static final double RETRIES_PER_SECOND = 1;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /**
     * Upstream loads of one symbol that one instance may start at the same moment: a miss's load (the cache's single
     * flight allows one per key and JVM) and a background early refresh of the entry that is about to expire.
     */
    private static final int LOADS_PER_SYMBOL = 2;
    /** After the fault: a symbol may still be held back by its failure backoff, then its load takes a request. */
    private static final Duration RECOVERY_LIMIT =
            FAILURE_BACKOFF.plus(REQUEST_TIMEOUT).plusSeconds(2);

    @Test
    @DisplayName("(19) upstream failing: retry storm contained")
    void aFailingUpstreamIsNotHammeredAndClientsGetQuickServiceUnavailable(Scenario scenario) throws Exception {
        Duration fault = Duration.ofSeconds(10);
        scenario.fault("the market-data upstream (an HTTP server in the test) answers 500 for 5 s, then its connections"
                + " are reset and new ones refused (fault proxy, RST) for 5 s, under quote load on 2 instances ("
                + CLIENTS + " clients asking again " + PAUSE.toMillis() + " ms after each answer, Retry-After"
                + " ignored)");
        try (MarketDataStub upstream = MarketDataStub.start();
                FaultProxy proxy = FaultProxy.start(upstream.port());
                BrokerageCluster cluster = BrokerageCluster.builder("upstream-failing")
                        .instances(2)
                        .env("BROKERAGE_MARKETDATA_URL", "http://127.0.0.1:" + proxy.port())
                        .start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, CLIENT_TIMEOUT);
            double[] calls = new double[2];
            long[] window = new long[2];
            int[] reached = new int[2];
            Thread[] resets = new Thread[1];
            try (Load load = Load.start(history, CLIENTS, paced(workload))) {
                new FaultWindow(300, fault, 300)
                        .run(
                                history,
                                load,
                                () -> {
                                    calls[0] = upstreamCalls(cluster.instances());
                                    reached[0] = upstream.requests();
                                    window[0] = System.nanoTime();
                                    upstream.answer(500);
                                    resets[0] = Thread.ofVirtual().start(() -> {
                                        LockSupport.parkNanos(fault.toNanos() / 2);
                                        proxy.reset(true);
                                        upstream.answer(200);
                                    });
                                },
                                () -> {
                                    resets[0].join();
                                    reached[1] = upstream.requests();
                                    calls[1] = upstreamCalls(cluster.instances());
                                    window[1] = System.nanoTime();
                                    proxy.heal();
                                });
            }
            Duration measured = Duration.ofNanos(window[1] - window[0]);
            long bound = callBound(cluster.instances().size(), measured);
            long made = Math.round(calls[1] - calls[0]);
            long unavailable = duringFault(history).stream()
                    .filter(op -> op.status() == 503)
                    .count();
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            new AllowedStatuses(Set.of(200, 503)),
                            new FastFailures(Duration.ofSeconds(1)),
                            new BoundedRecovery(FaultWindow.END, RECOVERY_LIMIT),
                            ignored -> Check.of(
                                    "the clients saw the fault",
                                    unavailable > 0,
                                    unavailable + " quotes answered 503 during it, "
                                            + duringFault(history).size() + " asked"),
                            ignored -> Check.of(
                                    "upstream calls during the fault at most " + bound + " (2 instances x ("
                                            + SYMBOLS + " symbols x " + LOADS_PER_SYMBOL + " loads x (ceil("
                                            + measured.toMillis() + " ms / " + FAILURE_BACKOFF.toMillis()
                                            + " ms backoff) + 1) + " + (long) RETRIES_PER_SECOND
                                            + " retry/s x (ceil(" + measured.toMillis() + " ms) + 1 s)))",
                                    made <= bound,
                                    made + " calls (attempts counted by the instances), " + (reached[1] - reached[0])
                                            + " reached the upstream, for "
                                            + duringFault(history).size()
                                            + " quotes asked"));
        }
    }

    @Test
    @DisplayName("(20) slow upstream: executor pool saturation alert")
    void aSlowUpstreamFillsTheBulkheadNotTheServiceAndRaisesThePoolAlertWithItsAction(Scenario scenario)
            throws Exception {
        Duration fault = Duration.ofSeconds(20);
        scenario.fault("1.5 s each way (3 s a round trip) between the instance and the market-data upstream for "
                + fault.toSeconds() + " s (fault proxy; request timeout 2 s, bulkhead of 4 threads for " + SYMBOLS
                + " symbols), under quote load (2 clients per symbol, each asking again " + PAUSE.toMillis()
                + " ms after an answer); pool-saturation-for 5 s; the alert's action pressed during the fault");
        String key =
                Base64.getEncoder().encodeToString(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        Webhook webhook = Webhook.start();
        try (webhook;
                MarketDataStub upstream = MarketDataStub.start();
                FaultProxy proxy = FaultProxy.start(upstream.port());
                BrokerageCluster cluster = BrokerageCluster.builder("upstream-slow")
                        .env("BROKERAGE_MARKETDATA_URL", "http://127.0.0.1:" + proxy.port())
                        .env("BALLAST_ALERT_RULES_INTERVAL", "1s")
                        .env("BALLAST_ALERT_RULES_POOL_SATURATION_FOR", "5s")
                        .env("BALLAST_ALERT_CHANNELS_CHAT_TYPE", "slack")
                        .env("BALLAST_ALERT_CHANNELS_CHAT_URL", webhook.url())
                        .env("BALLAST_ALERT_ACTIONS_ENABLED", "true")
                        .env("BALLAST_ALERT_ACTIONS_BASE_URL", "http://brokerage.chaos")
                        .env("BALLAST_ALERT_ACTIONS_KEYS_K1", key)
                        .start()) {
            ChildService instance = cluster.instances().getFirst();
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, CLIENT_TIMEOUT);
            String[] warning = {""};
            String[] action = {""};
            double[] poolMax = new double[2];
            double[] poolCore = new double[2];
            try (Load load = Load.start(history, 2 * SYMBOLS, pacedOneSymbolEach(workload))) {
                new FaultWindow(300, fault, 100)
                        .run(
                                history,
                                load,
                                () -> {
                                    poolMax[0] = poolMax(instance);
                                    poolCore[0] = poolCore(instance);
                                    proxy.latency(Duration.ofMillis(1500), Duration.ZERO);
                                },
                                () -> {
                                    // normally here long ago (5 s saturated + a 1 s rule interval + the 5 s group
                                    // wait);
                                    // a saturation that eases within the group wait is folded into one "Resolved"
                                    // message without the button, and the next one fires again: wait for a firing
                                    if (Waits.within("the pool saturation alert", Duration.ofSeconds(30), () -> {
                                        warning[0] = firing(webhook, "Executor pool 'marketDataBulkhead'");
                                        return !warning[0].isEmpty();
                                    })) {
                                        action[0] = press(instance, warning[0]);
                                        poolMax[1] = poolMax(instance);
                                        poolCore[1] = poolCore(instance);
                                    }
                                    proxy.heal();
                                });
            }
            String[] resolved = {""};
            Waits.within("the pool alert resolved", Duration.ofSeconds(30), () -> {
                resolved[0] = poolAlert(webhook, "Resolved: Executor pool 'marketDataBulkhead'");
                return !resolved[0].isEmpty();
            });
            long unavailable = duringFault(history).stream()
                    .filter(op -> op.status() == 503)
                    .count();
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            new AllowedStatuses(Set.of(200, 503)),
                            new BoundedLatency("quote", REQUEST_TIMEOUT.plusSeconds(1)),
                            new BoundedRecovery(FaultWindow.END, RECOVERY_LIMIT),
                            ignored -> Check.of(
                                    "the clients saw the fault",
                                    unavailable > 0,
                                    unavailable + " quotes answered 503 during it, "
                                            + duringFault(history).size() + " asked"),
                            ignored -> Check.of(
                                    "the pool saturation WARNING reached the chat with its action",
                                    warning[0].contains("WARNING")
                                            && warning[0].contains("Raise the pool")
                                            && warning[0].contains("http://brokerage.chaos/ballast/actions/"),
                                    warning[0].isEmpty() ? "no such message" : excerpt(warning[0])),
                            ignored -> Check.of(
                                    "its action raised the pool (core and maximum of the fixed-size bulkhead)",
                                    poolMax[0] > 0 && poolMax[1] == 2 * poolMax[0] && poolCore[1] == poolMax[1],
                                    "\"" + action[0] + "\"; executor_pool_max_threads " + (long) poolMax[0] + " -> "
                                            + (long) poolMax[1] + ", executor_pool_core_threads " + (long) poolCore[0]
                                            + " -> " + (long) poolCore[1]),
                            ignored -> Check.of(
                                    "the alert resolved",
                                    !resolved[0].isEmpty(),
                                    resolved[0].isEmpty() ? "no resolution within 30 s" : "Resolved message sent"));
        }
    }

    /**
     * The most upstream calls (attempts, retries included) the instances may make while the upstream fails for {@code
     * window}: per instance and symbol, a failed load holds the symbol back for the failure backoff from its start, so
     * at most {@code ceil(window / backoff) + 1} rounds of at most {@link #LOADS_PER_SYMBOL} loads each start within the
     * window; and per instance at most {@code retries-per-second x (ceil(window) + 1)} retries (a token bucket of that
     * size). A client asking again, however often, adds nothing: it is answered from the cache or with a 503.
     */
    static long callBound(int instances, Duration window) {
        long rounds = ceilDiv(window.toNanos(), FAILURE_BACKOFF.toNanos()) + 1;
        long seconds = ceilDiv(window.toNanos(), TimeUnit.SECONDS.toNanos(1));
        long retries = (long) Math.ceil(RETRIES_PER_SECOND * (seconds + 1));
        return instances * (SYMBOLS * LOADS_PER_SYMBOL * rounds + retries);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static Load.Workload paced(BrokerageWorkload workload) {
        return (client, n) -> {
            if (n > 0) {
                LockSupport.parkNanos(PAUSE.toNanos());
            }
            return workload.quote(client, n);
        };
    }

    /**
     * As {@link #paced}, but each client keeps asking for one symbol (client {@code c} for symbol {@code c mod 5}), as a
     * page showing one ticker does. Round-robin clients that each wait out a slow answer fall into step and ask for the
     * same one or two symbols at a time (seen in the first run: 2 of the 4 bulkhead threads busy), which no real crowd
     * of users does.
     */
    private static Load.Workload pacedOneSymbolEach(BrokerageWorkload workload) {
        return (client, n) -> {
            if (n > 0) {
                LockSupport.parkNanos(PAUSE.toNanos());
            }
            return workload.quote(client, 0); // symbol (client + 0) mod 5, on the only instance
        };
    }

    private static List<Operation> duringFault(History history) {
        long start = history.markOf(FaultWindow.START).orElseThrow();
        long end = history.markOf(FaultWindow.END).orElseThrow();
        return history.operations("quote").stream()
                .filter(op -> op.invokedNanos() >= start && op.invokedNanos() <= end)
                .toList();
    }

    private static double upstreamCalls(List<ChildService> instances) throws Exception {
        double calls = 0;
        for (ChildService instance : instances) {
            calls += instance.metric("brokerage_marketdata_calls_total(\\{[^}]*\\})?");
        }
        return calls;
    }

    private static double poolMax(ChildService instance) throws Exception {
        return instance.metric("executor_pool_max_threads\\{[^}]*name=\"marketDataBulkhead\"[^}]*\\}");
    }

    private static double poolCore(ChildService instance) throws Exception {
        return instance.metric("executor_pool_core_threads\\{[^}]*name=\"marketDataBulkhead\"[^}]*\\}");
    }

    /** The first message about {@code title} that fires (not a resolution, which carries no button). */
    private static String firing(Webhook webhook, String title) {
        return webhook.delivered.stream()
                .filter(body -> body.contains(title) && !body.contains("RESOLVED]"))
                .findFirst()
                .orElse("");
    }

    private static String poolAlert(Webhook webhook, String title) {
        return webhook.delivered.stream()
                .filter(body -> body.contains(title))
                .findFirst()
                .orElse("");
    }

    /** Presses the message's "Raise the pool" button: POST of its link's path to the instance that sent it. */
    private static String press(ChildService instance, String message) throws Exception {
        Matcher link = Pattern.compile("http://brokerage\\.chaos(/ballast/actions/[A-Za-z0-9_.=-]+)")
                .matcher(message);
        if (!link.find()) {
            return "no action link";
        }
        var answer = instance.post(link.group(1), "", Map.of("Accept", "application/json"));
        return answer.statusCode() + " " + excerpt(answer.body());
    }

    private static String excerpt(String text) {
        String line = text.replace('\n', ' ');
        return line.length() <= 160 ? line : line.substring(0, 160) + "...";
    }
}
