package dev.ballast.example.brokerage.quote;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A simulated slow market-data feed: each call sleeps {@code brokerage.marketdata.latency} (default 50 ms) and is
 * counted in {@code brokerage.marketdata.calls}. Prices are deterministic per symbol and second. Thread-safe.
 */
@Component
class MarketDataUpstream {

    private final Duration latency;
    private final Counter calls;

    MarketDataUpstream(@Value("${brokerage.marketdata.latency:50ms}") Duration latency, MeterRegistry registry) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("brokerage.marketdata.latency must not be negative, was " + latency);
        }
        this.latency = latency;
        this.calls = Counter.builder("brokerage.marketdata.calls")
                .description("Calls to the (simulated) market-data upstream")
                .register(registry);
    }

    Quote fetch(String symbol) throws InterruptedException {
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
