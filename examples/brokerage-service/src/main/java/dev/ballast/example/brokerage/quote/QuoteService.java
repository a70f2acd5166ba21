package dev.ballast.example.brokerage.quote;

import dev.ballast.boot.Task;
import dev.ballast.cache.TieredCache;
import dev.ballast.example.brokerage.instrument.InstrumentCatalog;
import org.springframework.stereotype.Service;

/** Quotes of listed instruments through the quotes TieredCache; unknown symbols are 404 (no upstream call). */
@Service
public class QuoteService {

    private final TieredCache<String, Quote> quotes;
    private final MarketDataUpstream upstream;
    private final InstrumentCatalog instruments;

    QuoteService(TieredCache<String, Quote> quotes, MarketDataUpstream upstream, InstrumentCatalog instruments) {
        this.quotes = quotes;
        this.upstream = upstream;
        this.instruments = instruments;
    }

    /** The quote of {@code symbol}, from the cache or the upstream. */
    @Task(domain = "Quote", task = "Get", id = "#symbol")
    public Quote quote(String symbol) {
        String known = instruments.find(symbol).symbol();
        return quotes.get(known, upstream::fetch);
    }
}
