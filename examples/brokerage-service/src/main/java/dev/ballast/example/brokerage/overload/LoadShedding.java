package dev.ballast.example.brokerage.overload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounds the requests in progress: at most {@code maxInProgress} run at once; a request beyond that waits in a queue
 * of at most {@code maxQueued} for at most {@code queueWait}, else it is answered at once with 503 {@code OVERLOADED}
 * problem details and {@code Retry-After}, before any application code runs. Without it, requests on virtual threads
 * pile up waiting for database connections until the heap runs out (docs/load-test.md). Requests under {@code
 * exemptPrefixes} (the actuator: health, metrics; Ballast's action links and Alertmanager receiver; and the quotes, which use no database connection and whose upstream
 * calls have a bulkhead of their own, so that a cached quote never waits behind slow database work) are never shed. Sheds are counted in {@code
 * brokerage.requests.shed{reason=queue-full|queue-timeout}}; {@code brokerage.requests.in-progress} and {@code
 * brokerage.requests.queued} are gauges.
 */
final class LoadShedding extends OncePerRequestFilter {

    static final String CODE = "OVERLOADED";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Semaphore permits;
    private final int maxInProgress;
    private final int maxQueued;
    private final long queueWaitNanos;
    private final String retryAfterSeconds;
    private final List<String> exemptPrefixes;
    private final AtomicInteger queued = new AtomicInteger();
    private final Counter shedQueueFull;
    private final Counter shedQueueTimeout;

    LoadShedding(
            int maxInProgress,
            int maxQueued,
            Duration queueWait,
            Duration retryAfter,
            List<String> exemptPrefixes,
            MeterRegistry registry) {
        if (maxInProgress < 1 || maxQueued < 0 || queueWait.isNegative()) {
            throw new IllegalArgumentException("brokerage.overload: max-in-progress must be at least 1, max-queued "
                    + "and queue-wait not negative; were " + maxInProgress + ", " + maxQueued + ", " + queueWait);
        }
        this.permits = new Semaphore(maxInProgress, true); // fair: queued requests go in arrival order
        this.maxInProgress = maxInProgress;
        this.maxQueued = maxQueued;
        this.queueWaitNanos = queueWait.toNanos();
        this.retryAfterSeconds = Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
        this.exemptPrefixes = exemptPrefixes.stream()
                .map(String::trim)
                .filter(prefix -> !prefix.isEmpty())
                .map(prefix -> prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix)
                .toList();
        this.shedQueueFull = shedCounter(registry, "queue-full");
        this.shedQueueTimeout = shedCounter(registry, "queue-timeout");
        Gauge.builder("brokerage.requests.in-progress", permits, p -> maxInProgress - p.availablePermits())
                .description("Requests in progress (bounded by brokerage.overload.max-in-progress)")
                .register(registry);
        Gauge.builder("brokerage.requests.queued", queued, AtomicInteger::get)
                .description("Requests waiting for a place (bounded by brokerage.overload.max-queued)")
                .register(registry);
    }

    private static Counter shedCounter(MeterRegistry registry, String reason) {
        return Counter.builder("brokerage.requests.shed")
                .description("Requests answered 503 OVERLOADED without running")
                .tag("reason", reason)
                .register(registry);
    }

    int maxInProgress() {
        return maxInProgress;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (exempt(request)) {
            chain.doFilter(request, response);
            return;
        }
        Counter shed = admit();
        if (shed != null) {
            shed.increment();
            reject(request, response);
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            permits.release();
        }
    }

    /** Null when the request holds a permit; else the counter of the reason it is shed. */
    private @Nullable Counter admit() {
        try {
            if (permits.tryAcquire(0, TimeUnit.NANOSECONDS)) { // honours fairness: no barging past the queue
                return null;
            }
            if (queued.incrementAndGet() > maxQueued) {
                queued.decrementAndGet();
                return shedQueueFull;
            }
            try {
                return permits.tryAcquire(queueWaitNanos, TimeUnit.NANOSECONDS) ? null : shedQueueTimeout;
            } finally {
                queued.decrementAndGet();
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return shedQueueTimeout;
        }
    }

    /** The decoded, normalised path (servlet path + path info), so an encoded or dotted path cannot pose as exempt. */
    private boolean exempt(HttpServletRequest request) {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        for (String prefix : exemptPrefixes) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    private void reject(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setStatus(503);
        response.setHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        Map<String, Object> problem = new LinkedHashMap<>();
        // the fields and their order as Spring MVC writes its problems (type left out: RFC 9457 reads about:blank)
        problem.put("detail", "The service is at capacity; retry after " + retryAfterSeconds + " s");
        problem.put("instance", request.getRequestURI());
        problem.put("status", 503);
        problem.put("title", "Service Unavailable");
        problem.put("code", CODE);
        response.getOutputStream().write(JSON.writeValueAsBytes(problem));
    }
}
