package dev.ballast.example.brokerage.quote;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A market-data upstream for tests: {@code GET /quotes/{symbol}} answers the status it is told (200 with a quote, or
 * an error) after the delay it is told, counting the requests.
 */
public final class UpstreamStub implements AutoCloseable {

    private final HttpServer server;
    private volatile int status = 200;
    private volatile Duration delay = Duration.ZERO;
    private final AtomicInteger calls = new AtomicInteger();
    /** How many of the next requests answer 500 before the told status applies again. */
    private final AtomicInteger failNext = new AtomicInteger();

    private UpstreamStub(HttpServer server) {
        this.server = server;
    }

    public static UpstreamStub start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        UpstreamStub stub = new UpstreamStub(server);
        server.createContext("/quotes/", stub::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return stub;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void answer(int status) {
        this.status = status;
    }

    public void delay(Duration delay) {
        this.delay = delay;
    }

    public void failNext(int requests) {
        failNext.set(requests);
    }

    public int calls() {
        return calls.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            calls.incrementAndGet();
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            String symbol = exchange.getRequestURI().getPath().substring("/quotes/".length());
            int answer = failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : status;
            byte[] body = (answer == 200
                            ? "{\"symbol\":\"" + symbol + "\",\"price\":\"123.4\",\"asOf\":\"2026-11-30T09:15:00Z\"}"
                            : "{\"error\":\"down\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
