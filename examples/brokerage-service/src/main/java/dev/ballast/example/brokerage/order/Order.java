package dev.ballast.example.brokerage.order;

/** An order as the API shows it; the price is a string with two decimals, like balances. */
public record Order(
        String orderId, String accountId, String symbol, String side, long quantity, String price, String status) {}
