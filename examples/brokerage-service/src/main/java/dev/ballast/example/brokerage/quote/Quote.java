package dev.ballast.example.brokerage.quote;

import java.time.Instant;

/**
 * A price quote.
 *
 * @param symbol instrument symbol
 * @param price decimal string, e.g. {@code "71200.00"}
 * @param asOf when the upstream priced it
 */
public record Quote(String symbol, String price, Instant asOf) {}
