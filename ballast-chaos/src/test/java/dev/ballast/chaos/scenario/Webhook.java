package dev.ballast.chaos.scenario;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A Slack-type webhook that answers every POST with the status it is told; 2xx bodies are kept. */
final class Webhook implements AutoCloseable {
    private final HttpServer server;
    private volatile int status = 200;
    final Queue<String> delivered = new ConcurrentLinkedQueue<>();
    final AtomicInteger refused = new AtomicInteger();

    private Webhook(HttpServer server) {
        this.server = server;
    }

    static Webhook start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        Webhook webhook = new Webhook(server);
        server.createContext("/services/chaos", webhook::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return webhook;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/services/chaos/hook";
    }

    void answer(int status) {
        this.status = status;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int answer = status;
            if (answer == 200) {
                delivered.add(body);
            } else {
                refused.incrementAndGet();
                if (answer == 429) {
                    exchange.getResponseHeaders().add("Retry-After", "2");
                }
            }
            byte[] reply = (answer == 200 ? "ok" : "rate limited").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer, reply.length);
            exchange.getResponseBody().write(reply);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
