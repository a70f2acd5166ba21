package dev.ballast.loadtest.soak;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The order driver of {@code scripts/soak}: places {@code ORDERS} orders at a steady open-model rate (order {@code i}
 * is due at {@code start + i / RATE}, whether or not earlier ones were answered), round-robin over the instances.
 * Every order has its own {@code Idempotency-Key}; a connection error, timeout or 5xx retries the same key on the next
 * instance (100 ms doubling to 2 s between attempts, for up to {@code GIVE_UP_SECONDS}), so a retry of an order whose
 * first attempt committed is answered 200 with the same order, never a second order. Writes, in {@code OUT_DIR}:
 * {@code acknowledged.csv} (one line per order answered 201 or 200: index, order id, status, attempts, response time
 * ms, answer time epoch ms), {@code unacknowledged.csv} (orders given up on), {@code errors.csv} (every failed attempt:
 * epoch ms, instance, index, what failed) and {@code driver.json} (the totals). Only the JDK: run it as a source file
 * ({@code java SoakDriver.java BASE_URLS ORDERS RATE OUT_DIR RUN_ID [GIVE_UP_SECONDS]}).
 *
 * <p>At most {@code SOAK_CONNECTIONS} (environment, default 1,024) attempts are on the wire at once, as behind a load
 * balancer or a client's connection pool; an order due while all are busy waits for one (fairly, in order), and that
 * wait counts in its response time. Without the bound an overloaded or cold start made the driver open tens of
 * thousands of connections, more than the instances' Tomcat accepts, so attempts failed in the kernel's accept queue
 * and their retries opened more: the driver, not the service, was then what failed.
 */
public final class SoakDriver {

    private static final String[] SYMBOLS = {"005930", "000660", "035420", "AAPL", "MSFT"};
    private static final Pattern ORDER_ID = Pattern.compile("\"orderId\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int CONNECTIONS = Integer.parseInt(System.getenv().getOrDefault("SOAK_CONNECTIONS", "1024"));

    private final List<URI> instances;
    private final long orders;
    private final double rate;
    private final String runId;
    private final long giveUpNanos;
    private final HttpClient http;
    private final PrintWriter acknowledged;
    private final PrintWriter unacknowledged;
    private final PrintWriter errors;
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong repeated = new AtomicLong();
    private final AtomicLong gaveUp = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong maxInFlight = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final Semaphore connections = new Semaphore(CONNECTIONS, true);
    private final AtomicLong maxWaitingForConnection = new AtomicLong();
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    /** Response times of acknowledged orders (first attempt to answer), in ms, by bucket of 1 ms up to 60 s. */
    private final AtomicLongArray latency = new AtomicLongArray(60_001);
    /** The answering attempt's own response time: what an accepted request costs, without the retries before it. */
    private final AtomicLongArray acceptedLatency = new AtomicLongArray(60_001);

    private SoakDriver(List<URI> instances, long orders, double rate, Path out, String runId, long giveUpSeconds)
            throws IOException {
        this.instances = instances;
        this.orders = orders;
        this.rate = rate;
        this.runId = runId;
        this.giveUpNanos = TimeUnit.SECONDS.toNanos(giveUpSeconds);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        Files.createDirectories(out);
        this.acknowledged = writer(out.resolve("acknowledged.csv"));
        this.unacknowledged = writer(out.resolve("unacknowledged.csv"));
        this.errors = writer(out.resolve("errors.csv"));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: SoakDriver BASE_URLS ORDERS RATE OUT_DIR RUN_ID [GIVE_UP_SECONDS]");
            System.exit(2);
        }
        List<URI> instances =
                Arrays.stream(args[0].split(",")).map(String::trim).map(URI::create).toList();
        Path out = Path.of(args[3]);
        long giveUp = args.length > 5 ? Long.parseLong(args[5]) : 120;
        SoakDriver driver =
                new SoakDriver(instances, Long.parseLong(args[1]), Double.parseDouble(args[2]), out, args[4], giveUp);
        driver.run(out);
    }

    private void run(Path out) throws Exception {
        long start = System.nanoTime();
        long nanosPerOrder = Math.round(1e9 / rate);
        Thread progress = Thread.ofPlatform().daemon().start(() -> progress(start));
        long late = 0;
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < orders; i++) {
                long due = start + i * nanosPerOrder;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else if (wait < -50_000_000L) {
                    late++; // the generator itself fell more than 50 ms behind (CPU starvation)
                }
                long index = i;
                requests.submit(() -> place(index));
            }
        }
        progress.interrupt();
        double seconds = (System.nanoTime() - start) / 1e9;
        acknowledged.close();
        unacknowledged.close();
        errors.close();
        String summary = String.format(
                "{\"orders\": %d, \"rate\": %.1f, \"seconds\": %.1f, \"acknowledged\": %d, \"created\": %d,"
                        + " \"repeated\": %d, \"unacknowledged\": %d, \"failedAttempts\": %d, \"failures\": %s,"
                        + " \"maxInFlight\": %d, \"connections\": %d, \"maxWaitingForConnection\": %d, \"lateSends\": %d, \"responseMs\": {\"p50\": %d, \"p99\": %d,"
                        + " \"p999\": %d, \"max\": %d}, \"acceptedAttemptMs\": {\"p50\": %d, \"p99\": %d,"
                        + " \"p999\": %d, \"max\": %d}, \"runId\": \"%s\"}%n",
                orders,
                rate,
                seconds,
                created.get() + repeated.get(),
                created.get(),
                repeated.get(),
                gaveUp.get(),
                failedAttempts.get(),
                failuresJson(),
                maxInFlight.get(),
                CONNECTIONS,
                maxWaitingForConnection.get(),
                late,
                percentile(latency, 0.50),
                percentile(latency, 0.99),
                percentile(latency, 0.999),
                percentile(latency, 1.0),
                percentile(acceptedLatency, 0.50),
                percentile(acceptedLatency, 0.99),
                percentile(acceptedLatency, 0.999),
                percentile(acceptedLatency, 1.0),
                runId);
        Files.writeString(out.resolve("driver.json"), summary, StandardCharsets.UTF_8);
        System.out.print("soak-driver: done " + summary);
    }

    /** Places order {@code index}, retrying the same key on the next instance until answered or given up. */
    private void place(long index) {
        long now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        String key = "soak-" + runId + "-" + index;
        String body = "{\"accountId\":\"A-" + (1 + index % 100) + "\",\"symbol\":\"" + SYMBOLS[(int) (index % 5)]
                + "\",\"side\":\"" + (index % 2 == 0 ? "BUY" : "SELL") + "\",\"quantity\":" + (1 + index % 50)
                + ",\"price\":\"100.25\"}";
        long first = System.nanoTime();
        long backoff = 100;
        try {
            for (int attempt = 1; ; attempt++) {
                URI base = instances.get((int) ((index + attempt - 1) % instances.size()));
                String failure;
                maxWaitingForConnection.accumulateAndGet(connections.getQueueLength() + 1L, Math::max);
                connections.acquire();
                long sent = System.nanoTime();
                try {
                    HttpResponse<String> response;
                    try {
                        response = http.send(
                                HttpRequest.newBuilder(base.resolve("/api/orders"))
                                        .timeout(REQUEST_TIMEOUT)
                                        .header("Content-Type", "application/json")
                                        .header("Idempotency-Key", key)
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                    } finally {
                        connections.release();
                    }
                    int status = response.statusCode();
                    if (status == 201 || status == 200) {
                        Matcher id = ORDER_ID.matcher(response.body());
                        long millis = (System.nanoTime() - first) / 1_000_000;
                        latency.incrementAndGet((int) Math.min(millis, latency.length() - 1));
                        long own = (System.nanoTime() - sent) / 1_000_000;
                        acceptedLatency.incrementAndGet((int) Math.min(own, acceptedLatency.length() - 1));
                        (status == 201 ? created : repeated).incrementAndGet();
                        synchronized (acknowledged) {
                            acknowledged.println(index + "," + (id.find() ? id.group(1) : "?") + "," + status + ","
                                    + attempt + "," + millis + "," + System.currentTimeMillis());
                        }
                        return;
                    }
                    failure = "http-" + status;
                    if (status < 500) { // a 4xx is the driver's bug or the service's: never retried
                        record(base, index, failure + " " + oneLine(response.body()));
                        giveUp(index, key, failure);
                        return;
                    }
                } catch (IOException e) {
                    failure = e.getClass().getSimpleName();
                }
                record(base, index, failure);
                if (System.nanoTime() - first > giveUpNanos) {
                    giveUp(index, key, failure);
                    return;
                }
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveUp(index, key, "interrupted");
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void record(URI base, long index, String failure) {
        failedAttempts.incrementAndGet();
        String kind = failure.split(" ", 2)[0];
        failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        synchronized (errors) {
            errors.println(System.currentTimeMillis() + "," + base.getPort() + "," + index + "," + failure);
        }
    }

    private void giveUp(long index, String key, String failure) {
        gaveUp.incrementAndGet();
        synchronized (unacknowledged) {
            unacknowledged.println(index + "," + key + "," + failure);
        }
    }

    private void progress(long start) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.printf(
                    "soak-driver: %s %.0f s acknowledged %d (repeats %d) in flight %d (waiting for a connection %d)"
                            + " failed attempts %d given up %d%n",
                    Instant.now(),
                    (System.nanoTime() - start) / 1e9,
                    created.get() + repeated.get(),
                    repeated.get(),
                    inFlight.get(),
                    connections.getQueueLength(),
                    failedAttempts.get(),
                    gaveUp.get());
        }
    }

    private static long percentile(AtomicLongArray latency, double q) {
        long total = 0;
        for (int i = 0; i < latency.length(); i++) {
            total += latency.get(i);
        }
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < latency.length(); i++) {
            seen += latency.get(i);
            if (seen >= rank) {
                return i;
            }
        }
        return latency.length() - 1;
    }

    private String failuresJson() {
        List<String> parts = new ArrayList<>();
        failures.forEach((k, v) -> parts.add("\"" + k + "\": " + v.get()));
        return "{" + String.join(", ", parts) + "}";
    }

    private static String oneLine(String text) {
        String flat = text.replaceAll("[\\r\\n,]+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) : flat;
    }

    private static PrintWriter writer(Path file) throws IOException {
        return new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), true);
    }
}
