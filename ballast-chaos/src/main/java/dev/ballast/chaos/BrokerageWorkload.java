package dev.ballast.chaos;

import dev.ballast.test.ChildService;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Requests of the example's HTTP API for {@link Load}: orders (kind {@code order}, keyed by Idempotency-Key), deposits
 * of 1.00 (kind {@code deposit}, keyed by account) and quotes (kind {@code quote}, keyed by symbol), spread round-robin
 * over the live instances. Immutable.
 *
 * @param instances the live instances, read at every request
 * @param timeout how long a client waits for an answer before recording it as unknown
 */
public record BrokerageWorkload(Supplier<List<ChildService>> instances, Duration timeout) {

    /** Accounts the deposits go to. */
    public static final int ACCOUNTS = 20;

    private static final List<String> SYMBOLS = List.of("005930", "000660", "035420", "AAPL", "MSFT");

    /** An order for A-1..A-20 under a fresh Idempotency-Key. */
    public Load.Request order(int client, long n) {
        String key = UUID.randomUUID().toString();
        String account = "A-" + (1 + (client + n) % ACCOUNTS);
        String json = "{\"accountId\": \"" + account + "\", \"symbol\": \"005930\", \"side\": \"BUY\", \"quantity\": 1,"
                + " \"price\": \"71200.00\"}";
        return new Load.Request("order", key, "", Load.post(target(client, n).uri("/api/orders"), json, key, timeout));
    }

    /** A deposit of 1.00 to one of A-1..A-20 under a fresh Idempotency-Key. */
    public Load.Request deposit(int client, long n) {
        return deposit("A-" + (1 + (client * 7L + n) % ACCOUNTS), client, n);
    }

    /**
     * A deposit of 1.00 to {@code account} (the example seeds) under a fresh Idempotency-Key, sent to the
     * instance {@code client} and {@code n} pick.
     */
    public Load.Request deposit(String account, int client, long n) {
        return new Load.Request(
                BalancesMatchDeposits.DEPOSIT,
                account,
                "1.00",
                Load.post(
                        target(client, n).uri("/api/accounts/" + account + "/deposits"),
                        "{\"amount\": \"1.00\"}",
                        UUID.randomUUID().toString(),
                        timeout));
    }

    /** A quote of one of the catalogue's symbols. */
    public Load.Request quote(int client, long n) {
        String symbol = SYMBOLS.get((int) ((client + n) % SYMBOLS.size()));
        return new Load.Request("quote", symbol, "", Load.get(target(client, n).uri("/api/quotes/" + symbol), timeout));
    }

    /** Orders and deposits in turn. */
    public Load.Request ordersAndDeposits(int client, long n) {
        return (client + n) % 2 == 0 ? order(client, n) : deposit(client, n);
    }

    private ChildService target(int client, long n) {
        List<ChildService> live = instances.get();
        if (live.isEmpty()) {
            throw new IllegalStateException("no live instance");
        }
        return live.get((int) ((client + n) % live.size()));
    }
}
