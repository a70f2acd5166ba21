package dev.ballast.example.brokerage.quote;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The market-data feed behind the quotes. By default a simulated slow feed: each call sleeps {@code
 * brokerage.marketdata.latency} (default 50 ms) and is counted in {@code brokerage.marketdata.calls}; prices are
 * deterministic per symbol and second. With {@code brokerage.marketdata.url} set, a real HTTP upstream instead ({@link
 * HttpMarketData}: bulkhead, timeouts, failure backoff, retry budget), each HTTP attempt counted. Thread-safe.
 */
@Component
class MarketDataUpstream {

    private final Duration latency;
    private final Counter calls;
    private final @Nullable HttpMarketData http;

    MarketDataUpstream(
            @Value("${brokerage.marketdata.latency:50ms}") Duration latency,
            MeterRegistry registry,
            ObjectProvider<HttpMarketData> http) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("brokerage.marketdata.latency must not be negative, was " + latency);
        }
        this.latency = latency;
        this.calls = calls(registry);
        this.http = http.getIfAvailable();
    }

    /** The {@code brokerage.marketdata.calls} counter of {@code registry}. */
    static Counter calls(MeterRegistry registry) {
        return Counter.builder("brokerage.marketdata.calls")
                .description("Calls to the (simulated) market-data upstream")
                .register(registry);
    }

    Quote fetch(String symbol) throws InterruptedException {
        if (http != null) {
            return http.fetch(symbol);
        }
        calls.increment();
        Thread.sleep(latency);
        Instant now = Instant.now();
        long cents = 1_000_000 + Math.floorMod((symbol.hashCode() * 31L + now.getEpochSecond()), 9_000_000L);
        return new Quote(
                symbol,
                BigDecimal.valueOf(cents, 2)
                        .setScale(2, RoundingMode.UNNECESSARY)
                        .toPlainString(),
                now);
    }
}
