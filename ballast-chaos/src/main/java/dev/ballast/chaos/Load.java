package dev.ballast.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients (virtual threads, each with its own keep-alive connections) sending the requests a {@link Workload} makes,
 * one after the other, until stopped, recording every one in the {@link History}: 2xx is {@link Outcome#OK}, 4xx
 * {@link Outcome#FAIL}, 5xx and no answer within the request timeout {@link Outcome#UNKNOWN}, a refused connection
 * {@link Outcome#FAIL} with status {@link #REFUSED}. Started and stopped
 * from the test thread; the clients run on their own. Thread-safe.
 */
@SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
public final class Load implements AutoCloseable {

    /** What client {@code client} sends as its {@code n}-th request. */
    @FunctionalInterface
    public interface Workload {
        Request next(int client, long n);
    }

    /**
     * One request and how the history records it.
     *
     * @param kind the operation's kind
     * @param key what it is about
     * @param value the value it writes, empty if none
     * @param request the HTTP request
     */
    public record Request(String kind, String key, String value, HttpRequest request) {}

    /**
     * The status recorded for a request whose connection was refused: nothing was sent, so it is {@link Outcome#FAIL}
     * (it took no effect) and not a server error; the client goes on with its next request, as a load balancer would.
     */
    public static final int REFUSED = -1;

    private final History history;
    private final Workload workload;
    private final AtomicBoolean stop = new AtomicBoolean();
    /** While stopping: a client whose last request did not succeed goes on until one does, or until this deadline. */
    private volatile long drainUntil;

    private volatile boolean draining;
    private final AtomicLong completed = new AtomicLong();
    private final Map<Integer, Long> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Future<?>> running = new ArrayList<>();

    private Load(History history, Workload workload) {
        this.history = history;
        this.workload = workload;
    }

    /** Starts {@code clients} clients sending what {@code workload} makes. */
    public static Load start(History history, int clients, Workload workload) {
        Load load = new Load(history, workload);
        for (int i = 0; i < clients; i++) {
            int client = i;
            load.running.add(load.clients.submit(() -> load.run(client)));
        }
        return load;
    }

    /** When the oldest request still waiting for its answer was sent ({@link System#nanoTime()}), if any is. */
    public OptionalLong oldestInFlight() {
        return inFlight.values().stream().mapToLong(Long::longValue).min();
    }

    /** Operations completed so far. */
    public long completed() {
        return completed.get();
    }

    /** Waits (bounded by {@code within}) until {@code more} further operations completed. */
    public void awaitMore(long more, Duration within) throws InterruptedException {
        long target = completed.get() + more;
        long deadline = System.nanoTime() + within.toNanos();
        while (completed.get() < target) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("only " + (completed.get() - target + more) + " of " + more
                        + " operations completed within " + within + "; " + history.summary());
            }
            Thread.sleep(20);
        }
    }

    /**
     * Stops each client at its next success (at once if its current request succeeds), or at {@code limit} if none
     * succeeds, and waits for them. A stop that cut a client off right after a failure would leave the history ending on
     * that failure with nothing after it, so a recovery check could not tell a slow recovery from none.
     */
    public void stopAfterSuccess(Duration limit) throws Exception {
        drainUntil = System.nanoTime() + limit.toNanos();
        draining = true;
        stop();
    }

    /** Stops the clients after their current request and waits (at most 60 s) for them. */
    public void stop() throws Exception {
        stop.set(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        if (draining && drainUntil - System.nanoTime() > 0) {
            deadline = drainUntil + TimeUnit.SECONDS.toNanos(60);
        }
        for (Future<?> client : running) {
            try {
                client.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("a client did not stop within 60 s of its last request", e);
            }
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        clients.shutdownNow();
    }

    private void run(int client) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        boolean lastOk = true;
        for (long n = 0; !stop.get() || (draining && !lastOk && System.nanoTime() - drainUntil < 0); n++) {
            Request request = workload.next(client, n);
            long invoked = System.nanoTime();
            inFlight.put(client, invoked);
            Operation operation;
            try {
                HttpResponse<String> response = http.send(request.request(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                Outcome outcome = status < 300 ? Outcome.OK : status < 500 ? Outcome.FAIL : Outcome.UNKNOWN;
                operation = new Operation(
                        client,
                        request.kind(),
                        request.key(),
                        request.value(),
                        outcome,
                        status,
                        invoked,
                        System.nanoTime(),
                        outcome == Outcome.OK ? "" : shorten(response.body()));
            } catch (IOException e) {
                boolean refused = e instanceof java.net.ConnectException
                        || e instanceof java.net.http.HttpConnectTimeoutException
                        || e.getCause() instanceof java.net.ConnectException;
                operation = new Operation(
                        client,
                        request.kind(),
                        request.key(),
                        request.value(),
                        refused ? Outcome.FAIL : Outcome.UNKNOWN,
                        refused ? REFUSED : 0,
                        invoked,
                        System.nanoTime(),
                        shorten(e.toString()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            history.add(operation);
            lastOk = operation.outcome() == Outcome.OK;
            inFlight.remove(client);
            completed.incrementAndGet();
        }
    }

    /** A JSON POST with an optional Idempotency-Key, answered within {@code timeout}. */
    public static HttpRequest post(URI uri, String json, String idempotencyKey, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (!idempotencyKey.isEmpty()) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return builder.build();
    }

    /** A GET answered within {@code timeout}. */
    public static HttpRequest get(URI uri, Duration timeout) {
        return HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    }

    private static String shorten(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
