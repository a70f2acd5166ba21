package dev.ballast.cache;

/**
 * Probabilistic early expiration (Vattani, Chierichetti, Lowenstein: "Optimal Probabilistic Cache Stampede
 * Prevention", VLDB 2015): a reader refreshes a value early when {@code now - delta * beta * ln(u) >= expiry}, with
 * {@code u} uniform in (0, 1] and {@code delta} the time the last load took. Each reader decides alone, and the
 * chance grows as expiry nears and with slower loads, so under steady traffic one reader refreshes shortly before
 * expiry and nobody sees a miss. Stateless.
 */
final class XFetch {

    /** Largest {@code -ln(1 - r)} for a double {@code r} in [0, 1): {@code -ln(2^-53)} is about 36.7. */
    private static final double MAX_DRAW = 37;

    private XFetch() {}

    /** The earliest time at which any random draw can make a refresh due: before it, no draw is needed. */
    static long earliestDue(int deltaMillis, long expiresAtMillis, double beta) {
        return expiresAtMillis - (long) Math.ceil(deltaMillis * beta * MAX_DRAW);
    }

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
