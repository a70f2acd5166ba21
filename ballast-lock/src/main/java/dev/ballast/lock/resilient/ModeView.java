package dev.ballast.lock.resilient;

/**
 * One reading of the mode authority. {@code sentNanos} (before the query, on the strategy's clock) bounds the reading's
 * age from above; {@code receivedNanos} (after it) bounds the database's current time from below. {@code changedBy}
 * names the instance that made the last switch, or the operator ({@value #OPERATOR} prefix) who did. {@code
 * primaryFailedAtMicros} is the latest failure of the primary any instance recorded (database clock, 0 if none): a
 * marker that changes with every recording, which the automatic return to the primary compares and sets on.
 */
record ModeView(
        LockMode mode,
        long epoch,
        long effectiveAtMicros,
        long dbNowMicros,
        String changedBy,
        long primaryFailedAtMicros,
        long sentNanos,
        long receivedNanos) {

    /** The prefix of {@code changedBy} for a switch an operator asked for. */
    static final String OPERATOR = "operator:";

    /**
     * Between the operator's name and the instance that carried the switch out in {@code changedBy} (both may hold
     * {@code @}: an actor such as {@code anonymous@127.0.0.1}, an instance such as {@code 4242@host}).
     */
    static final String VIA = " via ";

    /** An operator moved locks to the fallback: probes must not move them back; only an operator does. */
    boolean pinned() {
        return mode == LockMode.FALLBACK && changedBy != null && changedBy.startsWith(OPERATOR);
    }

    /** How long ago the query was sent: the view is at most this old. */
    long ageNanos(long nowNanos) {
        return nowNanos - sentNanos;
    }

    /** Nanoseconds until the mode takes effect by the database's clock (estimated low, so never early); 0 if it has. */
    long nanosUntilEffective(long nowNanos) {
        long dbNowMicros = this.dbNowMicros + (nowNanos - receivedNanos) / 1000;
        return Math.max(0, (effectiveAtMicros - dbNowMicros) * 1000);
    }

    /**
     * The earliest moment, on the strategy's clock, at which the mode can have taken effect by the database's clock
     * (estimated early, so never late): the database read its clock after {@code sentNanos}, so at a later moment {@code
     * t} its clock shows at most {@code dbNowMicros + (t - sentNanos)}. The opposite estimate to {@link
     * #nanosUntilEffective}, which callers use so that they never grant early: a holder of the old mode that trusts its
     * handle only before this moment never overlaps a holder of the new mode.
     */
    long earliestEffectiveNanos() {
        return sentNanos + (effectiveAtMicros - dbNowMicros) * 1000;
    }
}
