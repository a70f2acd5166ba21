package dev.ballast.example.brokerage.instrument;

import dev.ballast.boot.Task;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.stereotype.Service;

/** Reference data of tradable instruments; lookups run through {@link Task}. Thread-safe (immutable). */
@Service
public class InstrumentCatalog {

    private static final Pattern SYMBOL = Pattern.compile("[A-Z0-9.]{1,12}");

    private final Map<String, Instrument> bySymbol = Stream.of(
                    new Instrument("005930", "Samsung Electronics", "KOSPI", 1),
                    new Instrument("000660", "SK hynix", "KOSPI", 1),
                    new Instrument("035420", "NAVER", "KOSPI", 1),
                    new Instrument("AAPL", "Apple Inc.", "NASDAQ", 1),
                    new Instrument("MSFT", "Microsoft Corp.", "NASDAQ", 1))
            .collect(Collectors.toUnmodifiableMap(Instrument::symbol, i -> i));

    /** The instrument with {@code symbol}; 400 for a malformed symbol, 404 for an unknown one. */
    @Task(domain = "Instrument", task = "Lookup", id = "#symbol")
    public Instrument find(String symbol) {
        if (!SYMBOL.matcher(symbol).matches()) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, "symbol must be 1 to 12 of A-Z, 0-9 and '.'");
        }
        Instrument instrument = bySymbol.get(symbol);
        if (instrument == null) {
            throw new ClientException(CommonErrorCode.NOT_FOUND, "no instrument with symbol " + symbol);
        }
        return instrument;
    }

    /** Whether {@code symbol} is listed (orders for an unlisted symbol are refused). */
    public boolean lists(String symbol) {
        return bySymbol.containsKey(symbol);
    }

    /** Every instrument, by symbol. */
    public List<Instrument> all() {
        return bySymbol.values().stream()
                .sorted(Comparator.comparing(Instrument::symbol))
                .toList();
    }
}
