package dev.ballast.chaos.scenario;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The example's market-data upstream in the test JVM (the contract of {@code brokerage.marketdata.url}: {@code GET
 * /quotes/{symbol}} answers {@code {"symbol", "price", "asOf"}}), counting the requests that reach it and answering the
 * status it is told.
 */
final class MarketDataStub implements AutoCloseable {
    private final HttpServer server;
    private volatile int status = 200;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    private MarketDataStub(HttpServer server) {
        this.server = server;
    }

    static MarketDataStub start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        MarketDataStub stub = new MarketDataStub(server);
        server.createContext("/quotes/", stub::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return stub;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** 200 with a quote, or the error status every request gets from now on. */
    void answer(int status) {
        this.status = status;
    }

    /** Requests that reached the stub so far. */
    int requests() {
        return requests.get();
    }

    /** Requests answered with an error so far. */
    int failed() {
        return failed.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String symbol = exchange.getRequestURI().getPath().substring("/quotes/".length());
            int answer = status;
            long cents = 1_000_000
                    + Math.floorMod(symbol.hashCode() * 31L + Instant.now().getEpochSecond(), 9_000_000L);
            byte[] body = (answer == 200
                            ? "{\"symbol\":\"" + symbol + "\",\"price\":\"" + cents / 100 + "."
                                    + String.format("%02d", cents % 100) + "\",\"asOf\":\"" + Instant.now() + "\"}"
                            : "{\"error\":\"market data unavailable\"}")
                    .getBytes(StandardCharsets.UTF_8);
            if (answer != 200) {
                failed.incrementAndGet();
            }
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
