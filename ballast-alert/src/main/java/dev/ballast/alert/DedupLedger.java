package dev.ballast.alert;

import java.time.Duration;
import java.time.Instant;

/**
 * Deduplication across the instances of a service: before a router sends a firing message it claims the alert's
 * fingerprint and severity for the dedup window; the first instance to claim sends, the others count a repeat on its
 * claim instead of sending. A resolved message releases the claim, so an instance on which the condition still holds
 * announces it afresh. Off unless {@link AlertRouter.Builder#sharedDedup} is given one ({@link #NONE}: every claim
 * wins). Implementations are shared by every instance (a table in the service's database: {@link JdbcDedupLedger}),
 * must be thread-safe and should answer within a second: the router's dispatcher thread waits for them, never a
 * business call.
 */
public interface DedupLedger {

    /**
     * The outcome of a claim.
     *
     * @param won this instance sends the message
     * @param othersRepeats when won: the repeats other instances counted on the previous claim of the key, shown in the
     *     message with this instance's own
     */
    record Claim(boolean won, long othersRepeats) {

        /** Another instance sent the message within the window. */
        public static final Claim HELD = new Claim(false, 0);

        /** This instance sends; {@code othersRepeats} were counted by other instances. */
        public static Claim won(long othersRepeats) {
            return new Claim(true, othersRepeats);
        }
    }

    /** Every claim wins: each instance deduplicates only its own alerts. */
    DedupLedger NONE = new DedupLedger() {
        @Override
        public Claim claim(String key, Instant now, Duration window) {
            return Claim.won(0);
        }

        @Override
        public void release(String fingerprint) {}
    };

    /**
     * Claims {@code key} (fingerprint and severity) at {@code now}: won if no instance claimed it within {@code window}
     * before {@code now} (or this instance did); else counts a repeat on the holder's claim. A ledger that cannot
     * answer must throw: the router then sends (a duplicate message is better than a lost one).
     */
    Claim claim(String key, Instant now, Duration window);

    /** Ends every claim on {@code fingerprint} (whatever the severity): its condition was resolved. */
    void release(String fingerprint);
}
