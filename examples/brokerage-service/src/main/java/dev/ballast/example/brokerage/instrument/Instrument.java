package dev.ballast.example.brokerage.instrument;

/**
 * A listed security.
 *
 * @param symbol exchange code, e.g. {@code 005930}
 * @param name issuer name
 * @param market listing market
 * @param lotSize minimum tradable quantity
 */
public record Instrument(String symbol, String name, String market, int lotSize) {}
