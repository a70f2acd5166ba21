package dev.ballast.example.brokerage.quote;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The market-data upstream over HTTP ({@code brokerage.marketdata.url}): {@code GET <url>/quotes/{symbol}} answers 200
 * with {@code {"symbol": "AAPL", "price": "189.30", "asOf": "2026-11-30T09:15:00Z"}} ({@code asOf} optional; the price
 * is a decimal string, rounded to two places).
 *
 * <p>What keeps a sick upstream from taking the service down with it, or the service from hammering it:
 *
 * <ul>
 *   <li>Calls run on a bounded bulkhead ({@code marketDataBulkhead}: a fixed number of threads and a bounded queue); a
 *       full bulkhead fails the call at once.
 *   <li>A caller waits at most {@code request-timeout} in all (queue included); then the call is cancelled.
 *   <li>After a failed call for a symbol, the next call for it starts no earlier than {@code failure-backoff} after the
 *       failed one began; until then callers fail at once without a call. With the quotes cache's single flight per
 *       key, the upstream sees at most about one call per symbol, instance and {@code failure-backoff} while it fails.
 *   <li>A failed attempt (an I/O error other than a timeout, or a 5xx) is retried once, immediately, only while the
 *       retry budget ({@code retries-per-second}, a token bucket of that size) has a token.
 * </ul>
 *
 * Every failure is a {@link MarketDataUnavailableException}: 503 {@code UNAVAILABLE} with {@code Retry-After}. Every
 * attempt, retries included, counts in {@code brokerage.marketdata.calls}. Thread-safe.
 */
final class HttpMarketData implements AutoCloseable {

    private static final Pattern PRICE = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,8})?");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final Duration requestTimeout;
    private final long failureBackoffNanos;
    private final ThreadPoolExecutor bulkhead;
    private final RetryBudget retries;
    private final Counter calls;
    private final LongSupplier nanoTime;
    private final HttpClient http;
    private final ConcurrentMap<String, Failure> failures = new ConcurrentHashMap<>();

    /** The last failed call of a symbol: when it began, and why it failed. */
    private record Failure(long startedNanos, Throwable cause) {}

    HttpMarketData(
            URI base,
            Duration connectTimeout,
            Duration requestTimeout,
            Duration failureBackoff,
            RetryBudget retries,
            ThreadPoolExecutor bulkhead,
            Counter calls,
            LongSupplier nanoTime) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.requestTimeout = requestTimeout;
        this.failureBackoffNanos = failureBackoff.toNanos();
        this.bulkhead = bulkhead;
        this.retries = retries;
        this.calls = calls;
        this.nanoTime = nanoTime;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .build();
    }

    /** The quote of {@code symbol} from the upstream, within the request timeout. */
    Quote fetch(String symbol) throws InterruptedException {
        long started = nanoTime.getAsLong();
        Failure last = failures.get(symbol);
        if (last != null && started - last.startedNanos() < failureBackoffNanos) {
            throw new MarketDataUnavailableException(
                    "market data for " + symbol + " failed less than "
                            + Duration.ofNanos(failureBackoffNanos).toMillis() + " ms ago; not asking again yet",
                    last.cause());
        }
        Future<Quote> call;
        try {
            call = bulkhead.submit(() -> call(symbol));
        } catch (RejectedExecutionException e) {
            throw new MarketDataUnavailableException(
                    "market-data bulkhead full (" + bulkhead.getActiveCount() + " calls running, "
                            + bulkhead.getQueue().size() + " queued)",
                    e);
        }
        try {
            Quote quote = call.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
            failures.remove(symbol);
            return quote;
        } catch (TimeoutException e) {
            call.cancel(true);
            throw failed(symbol, started, "no market data for " + symbol + " within " + requestTimeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof HttpTimeoutException) { // the request's own timeout, the same bound as the wait above
                throw failed(symbol, started, "no market data for " + symbol + " within " + requestTimeout, cause);
            }
            throw failed(symbol, started, "market data for " + symbol + " failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        }
    }

    private MarketDataUnavailableException failed(String symbol, long started, String message, Throwable cause) {
        failures.merge(
                symbol,
                new Failure(started, cause),
                (old, next) -> next.startedNanos() - old.startedNanos() > 0 ? next : old);
        return new MarketDataUnavailableException(message, cause);
    }

    /** One call on a bulkhead thread: an attempt, and one retry if it failed retryably and the budget allows. */
    private Quote call(String symbol) throws IOException, InterruptedException {
        try {
            return attempt(symbol);
        } catch (HttpTimeoutException e) {
            throw e; // slow, not broken: a retry would only double the wait
        } catch (IOException e) {
            if (!retries.tryAcquire()) {
                throw e;
            }
            return attempt(symbol);
        }
    }

    private Quote attempt(String symbol) throws IOException, InterruptedException {
        calls.increment();
        HttpRequest request = HttpRequest.newBuilder(base.resolve("quotes/" + symbol))
                .timeout(requestTimeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("market-data upstream answered HTTP " + response.statusCode() + " for " + symbol);
        }
        return parse(symbol, response.body());
    }

    static Quote parse(String symbol, String body) throws IOException {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new IOException("market-data upstream answered malformed JSON for " + symbol, e);
        }
        String answered = text(json, "symbol");
        String price = text(json, "price");
        if (!symbol.equals(answered) || price == null || !PRICE.matcher(price).matches()) {
            throw new IOException("market-data upstream answered no valid quote for " + symbol);
        }
        Instant asOf = Instant.now();
        String time = text(json, "asOf");
        if (time != null) {
            try {
                asOf = Instant.parse(time);
            } catch (DateTimeParseException e) {
                throw new IOException("market-data upstream answered a malformed asOf for " + symbol, e);
            }
        }
        return new Quote(
                symbol,
                new BigDecimal(price).setScale(2, RoundingMode.HALF_EVEN).toPlainString(),
                asOf);
    }

    private static @Nullable String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node != null && node.isString() ? node.asString() : null;
    }

    @Override
    public void close() {
        http.shutdownNow(); // calls in flight fail at once; their callers get a 503
    }

    /**
     * A token bucket of retries: {@code perSecond} tokens at most, refilled at {@code perSecond} a second, so an
     * instance retries at most {@code perSecond × (seconds + 1)} times in any span of that many seconds.
     */
    static final class RetryBudget {
        private final double perSecond;
        private final LongSupplier nanoTime;
        private double tokens;
        private long refilledNanos;

        RetryBudget(double perSecond, LongSupplier nanoTime) {
            this.perSecond = perSecond;
            this.nanoTime = nanoTime;
            this.tokens = perSecond;
            this.refilledNanos = nanoTime.getAsLong();
        }

        synchronized boolean tryAcquire() {
            long now = nanoTime.getAsLong();
            tokens = Math.min(perSecond, tokens + (now - refilledNanos) / 1e9 * perSecond);
            refilledNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
