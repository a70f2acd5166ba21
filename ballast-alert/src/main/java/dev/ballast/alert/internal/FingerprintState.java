package dev.ballast.alert.internal;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/** What the pipeline remembers about one fingerprint. Confined to the dispatcher thread. */
final class FingerprintState {

    final ArrayDeque<Instant> transitions = new ArrayDeque<>();
    final ArrayDeque<Instant> sent = new ArrayDeque<>();

    @Nullable
    Alert last;

    /**
     * The alert of this firing episode whose title people read: the last one this instance sent as a firing message,
     * or, while it sent none, the one that began the episode. Its resolution goes out under this title, not under a
     * later repeat's (two raisers of one fingerprint may word it differently: the cache's "held open by an operator"
     * and the breaker rule's "unavailable").
     */
    @Nullable
    Alert shown;

    /** The last resolution of this fingerprint: its detail is what a "Settled, resolved" message says. */
    @Nullable
    Alert resolution;

    boolean firing;
    boolean announced;

    /** The last firing message was sent on a claim the shared ledger granted (not without the ledger). */
    boolean announcedShared;

    @Nullable
    Severity announcedSeverity;

    @Nullable
    Severity lastSentSeverity;

    boolean flapping;
    Instant windowStart = Instant.EPOCH;
    Instant lastTransition = Instant.EPOCH;

    /** When the current (or last) episode began firing, on the router's clock. */
    Instant firingSince = Instant.EPOCH;

    long repeats;

    void transition(Instant now, Duration window) {
        transitions.addLast(now);
        lastTransition = now;
        prune(transitions, now.minus(window));
    }

    int sentWithin(Instant now, Duration window) {
        prune(sent, now.minus(window));
        return sent.size();
    }

    /** More urgent than the firing message a person has seen (dedup never holds that back). */
    boolean escalates(Severity severity) {
        return announcedSeverity == null || severity.ordinal() < announcedSeverity.ordinal();
    }

    /** More urgent than any message sent before, resolved or not (throttling never holds that back). */
    boolean exceedsLastSent(Severity severity) {
        return lastSentSeverity == null || severity.ordinal() < lastSentSeverity.ordinal();
    }

    private static void prune(ArrayDeque<Instant> times, Instant before) {
        while (!times.isEmpty() && times.peekFirst().isBefore(before)) {
            times.removeFirst();
        }
    }
}
