package dev.ballast.alert;

import java.time.Duration;
import java.util.Objects;

/**
 * How the router keeps people out of alert floods. Immutable and thread-safe.
 *
 * @param dedupWindow repeats of a firing alert within this window after its message are counted, not sent; the next
 *     message after the window says how many ("×37 in 5 min")
 * @param throttleMax at most this many messages per fingerprint per {@code throttleWindow} (resolved messages and
 *     escalations to a higher severity are never held back)
 * @param throttleWindow see {@code throttleMax}
 * @param flapThreshold this many firing/resolved changes of one fingerprint within {@code flapWindow} make it
 *     flapping: one message, then quiet until it has not changed for {@code flapWindow}
 * @param flapWindow see {@code flapThreshold}
 * @param maxFingerprints how many fingerprints the router remembers; the least recently seen resolved ones go first
 */
public record Fatigue(
        Duration dedupWindow,
        int throttleMax,
        Duration throttleWindow,
        int flapThreshold,
        Duration flapWindow,
        int maxFingerprints) {

    /** 5 min dedup, 6 messages per fingerprint per hour, flapping at 4 changes in 10 min, 10,000 fingerprints. */
    public static final Fatigue DEFAULTS =
            new Fatigue(Duration.ofMinutes(5), 6, Duration.ofHours(1), 4, Duration.ofMinutes(10), 10_000);

    /** Validates each value and names the bad one. */
    public Fatigue {
        positive("dedupWindow", dedupWindow);
        positive("throttleWindow", throttleWindow);
        positive("flapWindow", flapWindow);
        if (throttleMax < 1) {
            throw new IllegalArgumentException("Fatigue throttleMax must be at least 1, was " + throttleMax);
        }
        if (flapThreshold < 2) {
            throw new IllegalArgumentException("Fatigue flapThreshold must be at least 2, was " + flapThreshold);
        }
        if (maxFingerprints < 100) {
            throw new IllegalArgumentException("Fatigue maxFingerprints must be at least 100, was " + maxFingerprints);
        }
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("Fatigue " + name + " must be positive, was " + value);
        }
    }
}
