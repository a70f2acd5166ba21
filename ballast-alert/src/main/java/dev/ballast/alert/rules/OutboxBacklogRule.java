package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * WARNING when the oldest pending outbox event ({@code ballast.outbox.oldest.pending.age}, seconds) is older than
 * {@code warning}, CRITICAL past {@code critical} (with a button that resumes a paused relay). Fingerprint {@code
 * outbox-pending-age}, as the Prometheus rules.
 */
public final class OutboxBacklogRule implements Rule {

    private final Duration warning;
    private final Duration critical;
    private final Firing firing = new Firing();

    public OutboxBacklogRule(Duration warning, Duration critical) {
        if (critical.compareTo(warning) < 0) {
            throw new IllegalArgumentException(
                    "Outbox pending age critical " + critical + " is below its warning " + warning);
        }
        this.warning = warning;
        this.critical = critical;
    }

    @Override
    public String name() {
        return "outbox-backlog";
    }

    @Override
    public List<Alert> evaluate(MeterRegistry registry, Instant now) {
        List<Alert> out = new ArrayList<>();
        double oldest = 0;
        for (Gauge gauge : registry.find("ballast.outbox.oldest.pending.age").gauges()) {
            oldest = Math.max(oldest, gauge.value());
        }
        Duration age = Duration.ofSeconds((long) oldest);
        Alert alert = null;
        if (age.compareTo(critical) > 0) {
            alert = alert(Severity.CRITICAL, age);
        } else if (age.compareTo(warning) > 0) {
            alert = alert(Severity.WARNING, age);
        }
        firing.set("oldest", alert, out);
        return out;
    }

    private Alert alert(Severity severity, Duration age) {
        Alert.Builder alert = Alert.builder(severity, "Outbox oldest pending event is " + age.toSeconds() + " s old")
                .detail("The relay is behind, paused or the broker is down; consumers see events late (thresholds "
                        + warning + " / " + critical + ").")
                .fingerprint("outbox-pending-age")
                .label("module", "outbox");
        if (severity == Severity.CRITICAL) {
            alert.action(AlertAction.operation("Resume the relay", "outbox.relay.resume", Map.of()));
        }
        return alert.build();
    }
}
