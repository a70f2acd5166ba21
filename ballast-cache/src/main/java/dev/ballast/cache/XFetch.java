package dev.ballast.cache;

/**
 * Probabilistic early expiration (Vattani, Chierichetti, Lowenstein: "Optimal Probabilistic Cache Stampede
 * Prevention", VLDB 2015): a reader refreshes a value early when {@code now - delta * beta * ln(u) >= expiry}, with
 * {@code u} uniform in (0, 1] and {@code delta} the time the last load took. Each reader decides alone, and the
 * chance grows as expiry nears and with slower loads, so under steady traffic one reader refreshes shortly before
 * expiry and nobody sees a miss. Stateless.
 */
final class XFetch {

    private XFetch() {}

    /**
     * Whether to refresh now.
     *
     * @param random uniform in [0, 1)
     */
    static boolean due(long nowMillis, int deltaMillis, long expiresAtMillis, double beta, double random) {
        double gap = deltaMillis * beta * -Math.log(1 - random);
        return nowMillis + gap >= expiresAtMillis;
    }
}
