package dev.ballast.alert;

import java.time.Clock;

/** Lets tests of the internal package make a {@link Silences} on their own clock. */
public final class SilencesAccess {

    private SilencesAccess() {}

    public static Silences create(Clock clock) {
        return new Silences(clock);
    }
}
