package dev.ballast.example.brokerage.quote;

import dev.ballast.boot.Task;
import dev.ballast.cache.TieredCache;
import dev.ballast.example.brokerage.instrument.InstrumentCatalog;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Quotes of listed instruments through the quotes TieredCache; unknown symbols are 404 (no upstream call).
 * {@code brokerage.quotes.cache=off} sends every quote to the upstream instead: the baseline the load test compares the
 * cache against (docs/load-test.md). Any other value than {@code tiered} (the default) or {@code off} fails start-up.
 */
@Service
public class QuoteService {

    private final TieredCache<String, Quote> quotes;
    private final MarketDataUpstream upstream;
    private final InstrumentCatalog instruments;
    private final boolean cached;

    QuoteService(
            TieredCache<String, Quote> quotes,
            MarketDataUpstream upstream,
            InstrumentCatalog instruments,
            @Value("${brokerage.quotes.cache:tiered}") String mode) {
        this.quotes = quotes;
        this.upstream = upstream;
        this.instruments = instruments;
        this.cached = switch (mode.trim().toLowerCase(Locale.ROOT)) {
            case "tiered" -> true;
            case "off" -> false;
            default ->
                throw new IllegalArgumentException(
                        "brokerage.quotes.cache must be 'tiered' or 'off', was '" + mode + "'");
        };
    }

    /** The quote of {@code symbol}, from the cache or the upstream. */
    @Task(domain = "Quote", task = "Get", id = "#symbol")
    public Quote quote(String symbol) throws InterruptedException {
        String known = instruments.find(symbol).symbol();
        return cached ? quotes.get(known, upstream::fetch) : upstream.fetch(known);
    }
}
