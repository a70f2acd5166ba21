package dev.ballast.example.brokerage.quote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP market-data upstream's guards against a sick upstream, on a stub upstream and a hand-driven ticker. */
class HttpMarketDataTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Counter calls = new SimpleMeterRegistry().counter("brokerage.marketdata.calls");
    private UpstreamStub upstream;
    private ThreadPoolExecutor bulkhead;

    @BeforeEach
    void start() throws IOException {
        upstream = UpstreamStub.start();
        bulkhead = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1));
    }

    @AfterEach
    void stop() {
        upstream.close();
        bulkhead.shutdownNow();
    }

    private HttpMarketData client(double retriesPerSecond, Duration requestTimeout) {
        return new HttpMarketData(
                URI.create(upstream.url()),
                Duration.ofMillis(500),
                requestTimeout,
                Duration.ofSeconds(1),
                new HttpMarketData.RetryBudget(retriesPerSecond, nanos::get),
                bulkhead,
                calls,
                nanos::get);
    }

    @Test
    void aQuoteIsReadFromTheUpstreamsJson() throws Exception {
        try (HttpMarketData client = client(0, Duration.ofSeconds(5))) {
            Quote quote = client.fetch("AAPL");

            assertThat(quote.symbol()).isEqualTo("AAPL");
            assertThat(quote.price()).isEqualTo("123.40");
            assertThat(quote.asOf()).hasToString("2026-11-30T09:15:00Z");
            assertThat(calls.count()).isEqualTo(1);
        }
    }

    @Test
    void aFailedAttemptIsRetriedOnceWhileTheBudgetHasATokenAndNotWhenItIsSpent() throws Exception {
        try (HttpMarketData client = client(1, Duration.ofSeconds(5))) {
            upstream.failNext(1);
            assertThat(client.fetch("AAPL").price()).isEqualTo("123.40");
            assertThat(upstream.calls()).isEqualTo(2);

            upstream.failNext(1); // the budget's one token is spent, and no time passed
            assertThatThrownBy(() -> client.fetch("MSFT"))
                    .isInstanceOf(MarketDataUnavailableException.class)
                    .hasMessageContaining("HTTP 500");
            assertThat(upstream.calls()).isEqualTo(3);

            nanos.addAndGet(TimeUnit.SECONDS.toNanos(1)); // a second later the bucket holds a token again
            upstream.failNext(1);
            assertThat(client.fetch("000660").price()).isEqualTo("123.40");
            assertThat(upstream.calls()).isEqualTo(5);
            assertThat(calls.count()).isEqualTo(5);
        }
    }

    @Test
    void aSymbolThatFailedIsNotAskedForAgainWithinTheFailureBackoff() throws Exception {
        try (HttpMarketData client = client(0, Duration.ofSeconds(5))) {
            upstream.answer(500);
            assertThatThrownBy(() -> client.fetch("AAPL")).isInstanceOf(MarketDataUnavailableException.class);
            assertThat(upstream.calls()).isEqualTo(1);

            nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
            assertThatThrownBy(() -> client.fetch("AAPL"))
                    .isInstanceOf(MarketDataUnavailableException.class)
                    .hasMessageContaining("not asking again yet")
                    .hasRootCauseMessage("market-data upstream answered HTTP 500 for AAPL");
            assertThat(upstream.calls()).isEqualTo(1);

            // another symbol is not held back by it
            assertThatThrownBy(() -> client.fetch("MSFT")).isInstanceOf(MarketDataUnavailableException.class);
            assertThat(upstream.calls()).isEqualTo(2);
        }
    }

    @Test
    void afterTheFailureBackoffTheSymbolIsAskedForAgain() throws Exception {
        try (HttpMarketData client = client(0, Duration.ofSeconds(5))) {
            upstream.answer(500);
            assertThatThrownBy(() -> client.fetch("AAPL")).isInstanceOf(MarketDataUnavailableException.class);
            upstream.answer(200);
            nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));

            assertThat(client.fetch("AAPL").price()).isEqualTo("123.40");
            assertThat(upstream.calls()).isEqualTo(2);
        }
    }

    @Test
    void aSlowUpstreamFailsTheCallerAtTheRequestTimeout() throws Exception {
        try (HttpMarketData client = client(1, Duration.ofMillis(300))) {
            upstream.delay(Duration.ofSeconds(3));
            long start = System.nanoTime();

            assertThatThrownBy(() -> client.fetch("AAPL"))
                    .isInstanceOf(MarketDataUnavailableException.class)
                    .hasMessageContaining("within PT0.3S");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(upstream.calls()).isEqualTo(1); // a timeout is not retried
        }
    }

    @Test
    void aFullBulkheadFailsTheCallerAtOnceWithoutACall() throws Exception {
        try (HttpMarketData client = client(0, Duration.ofSeconds(4))) {
            upstream.delay(Duration.ofSeconds(3));
            Thread running = Thread.ofVirtual().start(() -> fetchQuietly(client, "AAPL"));
            Thread queued = Thread.ofVirtual().start(() -> fetchQuietly(client, "MSFT"));
            Eventually.within(
                    Duration.ofSeconds(5),
                    "one call running (at the upstream) and one queued",
                    () -> bulkhead.getActiveCount() == 1 && bulkhead.getQueue().size() == 1 && upstream.calls() == 1);
            long start = System.nanoTime();

            assertThatThrownBy(() -> client.fetch("000660"))
                    .isInstanceOf(MarketDataUnavailableException.class)
                    .hasMessageContaining("bulkhead full (1 calls running, 1 queued)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
            assertThat(upstream.calls()).isEqualTo(1);
            bulkhead.shutdownNow(); // interrupts the running call; the queued one's caller gives up at its timeout
            running.join();
            queued.interrupt();
            queued.join();
        }
    }

    @Test
    void anAnswerThatIsNoQuoteOfTheSymbolIsAFailure() {
        assertThatThrownBy(() -> HttpMarketData.parse("AAPL", "{\"symbol\":\"MSFT\",\"price\":\"1.00\"}"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> HttpMarketData.parse("AAPL", "{\"symbol\":\"AAPL\",\"price\":\"-1\"}"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> HttpMarketData.parse("AAPL", "<html>")).isInstanceOf(IOException.class);
    }

    private static void fetchQuietly(HttpMarketData client, String symbol) {
        try {
            client.fetch(symbol);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the test looks at the bulkhead, not at this call
        }
    }
}
