package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;

/**
 * A condition over meters. {@link #evaluate} returns the alerts to send now: an alert when the condition starts (or
 * changes severity), its {@link dev.ballast.alert.AlertStatus#resolved resolved} form when it clears, nothing while it
 * stays as it was. Called from the rules thread only; implementations keep their state without locks.
 */
public interface Rule {

    /** The rule's name in logs. */
    String name();

    /** What changed at {@code now}. */
    List<Alert> evaluate(MeterRegistry registry, Instant now);
}
