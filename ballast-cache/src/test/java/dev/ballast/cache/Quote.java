package dev.ballast.cache;

/** A test value. */
public record Quote(String symbol, String price) {}
