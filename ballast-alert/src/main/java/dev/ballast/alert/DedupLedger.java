package dev.ballast.alert;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Deduplication across the instances of a service: before a router sends a firing message it claims the alert's
 * fingerprint and severity for the dedup window; the first instance to claim sends, the others count a repeat on its
 * claim instead of sending. Repeats an instance holds back on its own (inside its local dedup window, or throttled)
 * are reported with {@link #repeated}, so the next message, from whichever instance wins the next claim, shows the
 * service-wide count. A resolution, on whichever instance it arrives, ends the claim: the instance that ends it sends
 * the one resolved message, with the service-wide count; an instance on which the condition still holds announces it
 * afresh. Off unless {@link AlertRouter.Builder#sharedDedup} is given one ({@link #NONE}: every claim is
 * {@link Claim#LOCAL}). Implementations are shared by every instance (a table in the service's database:
 * {@link JdbcDedupLedger}), must be thread-safe and must answer within a short bound: the router's dispatcher thread
 * waits for {@link #claim}, never a business call.
 */
public interface DedupLedger {

    /**
     * The outcome of a claim.
     *
     * @param won this instance sends the message
     * @param repeats when won and {@code serviceWide}: the raises of the key every instance counted since its previous
     *     message (those this instance reported through {@link #repeated} included), shown in the message as "×N"
     * @param serviceWide whether {@code repeats} is the service's count; false when the ledger was not consulted (the
     *     router then shows its own count, as without a ledger)
     */
    record Claim(boolean won, long repeats, boolean serviceWide) {

        /** Another instance sent the message within the window. */
        public static final Claim HELD = new Claim(false, 0, true);

        /** The ledger was not consulted (off, or unavailable): send, counting as a router alone does. */
        public static final Claim LOCAL = new Claim(true, 0, false);

        /** This instance sends; {@code repeats} raises were counted service-wide since the previous message. */
        public static Claim won(long repeats) {
            return new Claim(true, repeats, true);
        }
    }

    /**
     * The outcome of a release.
     *
     * @param ended this instance ended a claim on the fingerprint, so it sends the resolved message (another instance
     *     may have sent the firing one)
     * @param repeats when ended: the raises every instance counted on the claim since its message, this instance's
     *     included
     * @param since when ended: when the claim's message was sent
     * @param serviceWide whether the ledger answered; false when it was not consulted (off, or unavailable): the router
     *     then resolves as it does alone
     */
    record Release(boolean ended, long repeats, @Nullable Instant since, boolean serviceWide) {

        /** The ledger was not consulted: resolve as a router alone does. */
        public static final Release LOCAL = new Release(false, 0, null, false);

        /** No instance holds a claim on the fingerprint (another instance already resolved it, or none announced it). */
        public static final Release NOT_HELD = new Release(false, 0, null, true);

        /** This instance ended the claim of the message sent at {@code since}, with {@code repeats} counted on it. */
        public static Release ended(long repeats, Instant since) {
            return new Release(true, repeats, since, true);
        }
    }

    /** Never consulted: each instance deduplicates only its own alerts. */
    DedupLedger NONE = new DedupLedger() {
        @Override
        public Claim claim(String key, Instant now, Duration window) {
            return Claim.LOCAL;
        }

        @Override
        public Release release(String fingerprint) {
            return Release.LOCAL;
        }
    };

    /**
     * Claims {@code key} ({@code <severity>|<fingerprint>}) at {@code now}: won if no instance claimed it within
     * {@code window} before {@code now} (or this instance did); else counts a repeat on the holder's claim. A ledger
     * that cannot answer returns {@link Claim#LOCAL} or throws: the router then sends (a duplicate message is better
     * than a lost one).
     */
    Claim claim(String key, Instant now, Duration window);

    /**
     * A raise of {@code key} this instance held back without a claim (inside its own dedup window, or throttled): to be
     * added to the key's service-wide count. Must not block; implementations accumulate and write in {@link #flush}.
     */
    default void repeated(String key) {}

    /**
     * Called on every dispatcher tick: writes what {@link #repeated} accumulated, when due. Bounded in time.
     *
     * @return the keys whose claim no longer exists (another instance resolved the alert): this instance's repeats of
     *     them had no claim to count on, and the router forgets that it announced them
     */
    default Set<String> flush(Instant now) {
        return Set.of();
    }

    /**
     * Ends every claim on {@code fingerprint} (whatever the severity): its condition was resolved. Of instances that
     * release the same claim concurrently, exactly one sees it {@linkplain Release#ended() ended}.
     */
    Release release(String fingerprint);
}
