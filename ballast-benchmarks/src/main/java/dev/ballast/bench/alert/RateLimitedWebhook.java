package dev.ballast.bench.alert;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Discord-like webhook on loopback that announces its limit ({@code limit} requests per {@code windowMillis}) in
 * {@code X-RateLimit-*} headers and answers 429 with {@code Retry-After} past it; or, with {@code limit} 0, a receiver
 * that accepts everything. Records every request's time, status and body. Thread-safe.
 */
final class RateLimitedWebhook implements AutoCloseable {

    record Request(long nanos, int status, String body) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final int limit;
    private final long windowNanos;
    private final List<Request> requests = new ArrayList<>();
    private long windowStart = System.nanoTime();
    private int used;

    RateLimitedWebhook(int limit, long windowMillis) throws IOException {
        this.limit = limit;
        this.windowNanos = windowMillis * 1_000_000;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
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
        long now = System.nanoTime();
        synchronized (this) {
            if (now - windowStart >= windowNanos) {
                windowStart = now;
                used = 0;
            }
            double resetAfter = Math.max(0.001, (windowNanos - (now - windowStart)) / 1e9);
            if (limit == 0 || used < limit) {
                used++;
                status = 204;
                if (limit > 0) {
                    exchange.getResponseHeaders().add("X-RateLimit-Limit", Integer.toString(limit));
                    exchange.getResponseHeaders().add("X-RateLimit-Remaining", Integer.toString(limit - used));
                    exchange.getResponseHeaders().add("X-RateLimit-Reset-After", String.format("%.3f", resetAfter));
                }
            } else {
                status = 429;
                exchange.getResponseHeaders().add("Retry-After", String.format("%.3f", resetAfter));
            }
            requests.add(new Request(now, status, status == 204 ? body : ""));
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests per second from the first to the last request (the announced limit is limit / window). */
    synchronized double meanRate() {
        if (requests.size() < 2) {
            return 0;
        }
        long span = requests.get(requests.size() - 1).nanos() - requests.get(0).nanos();
        return (requests.size() - 1) / (span / 1e9);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow(); // its threads are not daemons: the harness JVM would never exit
    }
}
