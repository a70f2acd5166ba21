package dev.ballast.outbox.internal;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * A relay's pause while the broker looks down (every publish of a batch failed with an infrastructure error): from
 * {@code base}, doubling while it stays down, at most {@code cap}, on the relay's clock; one WARNING alert when it
 * starts and one INFO when publishing works again. While it lasts, one worker at a time may try one event every
 * {@code base} (a probe, {@link #takeProbe}); a probe that publishes ends the pause, so the relay resumes within about
 * {@code base} of the broker's return instead of up to {@code cap} later. Thread-safe: the relay's workers share one
 * pause (guarded by this object's monitor); alerts and logs are sent outside it.
 */
final class OutagePause {

    private final Logger log;
    private final AlertSink alerts;
    private final InstantSource clock;
    private final Duration base;
    private final Duration cap;
    private final String fingerprint;
    private long pausedUntilMillis;
    private long pauseMillis;
    private long nextProbeMillis;
    private boolean inOutage;

    OutagePause(Logger log, AlertSink alerts, InstantSource clock, Duration base, Duration cap, String owner) {
        this.log = log;
        this.alerts = alerts;
        this.clock = clock;
        this.base = base;
        this.cap = cap;
        this.fingerprint = "outbox-outage|" + owner;
    }

    /** How long, on the relay's clock, the pause still lasts; zero or negative when none. */
    synchronized long remainingMillis() {
        return inOutage ? pausedUntilMillis - clock.millis() : 0;
    }

    /** How long, on the relay's clock, until a probe may be tried; only meaningful while {@link #remainingMillis} > 0. */
    synchronized long untilProbeMillis() {
        return nextProbeMillis - clock.millis();
    }

    /** Whether the calling worker may try a probe now; the next one is due a base later, whatever this one finds. */
    synchronized boolean takeProbe() {
        long now = clock.millis();
        if (!inOutage || now < nextProbeMillis) {
            return false;
        }
        nextProbeMillis = now + base.toMillis();
        return true;
    }

    /** When the current pause ends, or empty while publishing works. */
    synchronized Optional<Instant> end() {
        return inOutage ? Optional.of(Instant.ofEpochMilli(pausedUntilMillis)) : Optional.empty();
    }

    /** A batch found the broker down: pause (longer if it was down already); the first time, warn. */
    void outage() {
        boolean first;
        long pause;
        synchronized (this) {
            first = !inOutage;
            inOutage = true;
            pauseMillis = first ? base.toMillis() : Math.min(cap.toMillis(), pauseMillis * 2);
            pause = pauseMillis;
            pausedUntilMillis = clock.millis() + pause;
            nextProbeMillis = clock.millis() + base.toMillis();
        }
        if (first) {
            log.warn("Outbox relay paused: every publish of a batch failed with an infrastructure error (the broker,"
                    + " or what an in-process publisher's listeners write to, such as the database, cannot be"
                    + " reached)");
            alerts.send(paused("Every publish of a batch failed with an infrastructure error. The relay pauses"
                    + " with backoff (first " + pause + " ms, at most " + cap.toMillis() + " ms), tries one event"
                    + " every " + base.toMillis() + " ms meanwhile to resume as soon as it is back, and does not"
                    + " count these attempts; events wait in the outbox."));
        }
    }

    /** A batch published or dead-lettered events: the pause, if any, is over; say so once. */
    void recovered() {
        boolean was;
        synchronized (this) {
            was = inOutage;
            inOutage = false;
            pauseMillis = 0;
        }
        if (was) {
            log.info("Outbox relay resumed: publishing succeeds again");
            alerts.send(paused("")
                    .resolved("Outbox relay resumed: publishing succeeds again; the relay is draining the events"
                            + " that waited."));
        }
    }

    /** The pause alert; its {@link Alert#resolved resolved} form says the relay resumed. */
    private Alert paused(String detail) {
        return Alert.builder(Severity.WARNING, "Outbox relay paused: broker unreachable")
                .detail(detail)
                .label("module", "outbox")
                .fingerprint(fingerprint)
                .build();
    }
}
