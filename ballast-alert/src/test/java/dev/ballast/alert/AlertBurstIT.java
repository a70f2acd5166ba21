package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12, point 10, in {@code verify}: a burst of 20,000 alerts (1 % CRITICAL, 9 % WARNING, 90 % INFO, every
 * fingerprint distinct so nothing is deduplicated) into a Discord-like receiver on loopback that announces 5 requests
 * per 2 s in {@code X-RateLimit-*} headers and answers 429 past it. No CRITICAL alert is lost (each one reached the
 * receiver or the alert file, counted as spilled), the INFO ones the small channel queue cannot hold are dropped and
 * counted, and the router keeps to the announced limit (the receiver never has to answer 429). The JMH benchmark and
 * the 100,000-alert harness in ballast-benchmarks measure the same at full size (docs/benchmarks.md).
 */
class AlertBurstIT {

    private static final int ALERTS = 20_000;
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    @Test
    void aBurstIntoARateLimitedWebhookLosesNoCriticalCountsDropsAndKeepsToTheAnnouncedLimit() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path file = dir.resolve("alerts.jsonl");
        try (Receiver receiver = new Receiver(5, 2_000)) {
            AlertRouter router = AlertRouter.builder()
                    .meterRegistry(registry)
                    .channel(
                            Channel.discord("limited", receiver.url(), Duration.ofSeconds(1), Duration.ofSeconds(2)),
                            new ChannelSettings(
                                    50,
                                    2.5,
                                    5,
                                    4,
                                    Duration.ofMillis(200),
                                    Duration.ofSeconds(2),
                                    3,
                                    Duration.ofMinutes(1)))
                    .channel(Channel.file("file", file, 64L << 20, 1))
                    .route(new Route("chat", Set.of(), Map.of(), List.of("limited"), false, List.of(), Duration.ZERO))
                    .build();
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Thread> senders = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int first = t;
                    senders.add(Thread.ofPlatform().start(() -> {
                        try {
                            start.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        for (int i = first; i < ALERTS; i += THREADS) {
                            router.send(alert(i));
                        }
                    }));
                }
                start.countDown();
                for (Thread sender : senders) {
                    sender.join();
                }
                // past the first announced pause: the channel has used its burst and waited for the window's reset
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> receiver.requests().size() >= 8);
            } finally {
                router.close();
            }

            Set<String> delivered = new HashSet<>();
            for (Receiver.Request request : receiver.requests()) {
                if (request.status() == 204) {
                    for (JsonNode field : WebhookStub.JSON
                            .readTree(request.body())
                            .path("embeds")
                            .path(0)
                            .path("fields")) {
                        if (field.path("name").asString("").equals("fingerprint")) {
                            delivered.add(field.path("value").asString());
                        }
                    }
                }
            }
            Set<String> inFile = new HashSet<>();
            for (String line : Files.readAllLines(file)) {
                JsonNode json = WebhookStub.JSON.readTree(line);
                if (json.path("fallbackFor").asString("").equals("limited")
                        && json.path("severity").asString("").equals("CRITICAL")) {
                    inFile.add(json.path("fingerprint").asString());
                }
            }
            Set<String> critical = new HashSet<>();
            for (int i = 0; i < ALERTS; i += 100) {
                critical.add("burst-" + i);
            }
            Set<String> seen = new HashSet<>(delivered);
            seen.addAll(inFile);
            assertThat(critical)
                    .as("CRITICAL alerts neither delivered nor in the file")
                    .isSubsetOf(seen);
            assertThat(count(registry, "ballast.alert.spilled", "CRITICAL")).isEqualTo(inFile.size());
            assertThat(inFile).as("the channel queue (50) overflowed").isNotEmpty();
            assertThat(count(registry, "ballast.alert.dropped", "INFO")).isPositive();
            assertThat(count(registry, "ballast.alert.dropped", "CRITICAL")).isZero();

            List<Receiver.Request> requests = receiver.requests();
            assertThat(requests.stream().filter(r -> r.status() == 429))
                    .as("requests over the announced limit")
                    .isEmpty();
            double seconds = (requests.getLast().nanos() - requests.getFirst().nanos()) / 1e9;
            assertThat((requests.size() - 5) / seconds)
                    .as("request rate after the first burst (limit 2.5/s)")
                    .isLessThanOrEqualTo(2.5 * 1.05);
        }
    }

    private static Alert alert(int i) {
        Severity severity = i % 100 == 0 ? Severity.CRITICAL : i % 10 == 0 ? Severity.WARNING : Severity.INFO;
        return Alert.builder(severity, "Burst alert " + i)
                .fingerprint("burst-" + i)
                .label("module", "burst")
                .build();
    }

    private static double count(SimpleMeterRegistry registry, String name, String severity) {
        return registry.find(name).tag("severity", severity).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    /**
     * A Discord-like webhook: {@code limit} requests per fixed window of {@code windowMillis}, announced in {@code
     * X-RateLimit-Limit/Remaining/Reset-After}; past it, 429 with {@code Retry-After}. Records every request.
     */
    private static final class Receiver implements AutoCloseable {

        record Request(long nanos, int status, String body) {}

        private final HttpServer server;
        private final ExecutorService executor = Executors.newFixedThreadPool(2);
        private final int limit;
        private final long windowNanos;
        private final List<Request> requests = new ArrayList<>();
        private long windowStart = System.nanoTime();
        private int used;

        Receiver(int limit, long windowMillis) throws IOException {
            this.limit = limit;
            this.windowNanos = windowMillis * 1_000_000;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setExecutor(executor);
            server.createContext("/", this::handle);
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/webhooks/1/t");
        }

        private void handle(HttpExchange exchange) throws IOException {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status;
            synchronized (this) {
                long now = System.nanoTime();
                if (requests.isEmpty() || now - windowStart >= windowNanos) {
                    windowStart = now;
                    used = 0;
                }
                String resetAfter = String.format(
                        java.util.Locale.ROOT, "%.3f", Math.max(0.001, (windowNanos - (now - windowStart)) / 1e9));
                if (used < limit) {
                    used++;
                    status = 204;
                    exchange.getResponseHeaders().add("X-RateLimit-Limit", Integer.toString(limit));
                    exchange.getResponseHeaders().add("X-RateLimit-Remaining", Integer.toString(limit - used));
                    exchange.getResponseHeaders().add("X-RateLimit-Reset-After", resetAfter);
                } else {
                    status = 429;
                    exchange.getResponseHeaders().add("Retry-After", resetAfter);
                }
                requests.add(new Request(now, status, body));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        }

        synchronized List<Request> requests() {
            return List.copyOf(requests);
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
