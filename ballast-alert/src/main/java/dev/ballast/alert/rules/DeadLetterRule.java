package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * CRITICAL when new dead letters appear ({@code ballast.outbox.dead} grows), with a button that replays them; resolved
 * when none is left unresolved. The count of unresolved letters comes from {@code unresolved} (the outbox's {@code
 * DeadLetters::count}) when given, else from the {@code ballast.outbox.dlq.size} gauge. A count that cannot be read
 * (its supplier throws: the tables are missing, the database is down) changes nothing: a firing alert keeps firing, and
 * none is raised unless the counter grew. Fingerprint {@code
 * outbox-dead-letters}, as the Prometheus rule, so a person sees one message.
 */
public final class DeadLetterRule implements Rule {

    private static final long UNKNOWN = -1;

    private final @Nullable LongSupplier unresolved;
    private final Firing firing = new Firing();
    private double lastDead = Double.NaN;
    private Instant lastGrowth = Instant.EPOCH;

    /** How long a gauge-only rule waits for the housekeeping to refresh the gauge before it believes a zero. */
    static final java.time.Duration GAUGE_LAG = java.time.Duration.ofMinutes(1);

    public DeadLetterRule(@Nullable LongSupplier unresolved) {
        this.unresolved = unresolved;
    }

    @Override
    public String name() {
        return "outbox-dead-letters";
    }

    @Override
    public List<Alert> evaluate(MeterRegistry registry, Instant now) {
        List<Alert> out = new ArrayList<>();
        double dead = 0;
        for (Counter counter : registry.find("ballast.outbox.dead").counters()) {
            dead += counter.count();
        }
        boolean grew = !Double.isNaN(lastDead) ? dead > lastDead : dead > 0;
        lastDead = dead;
        long left = unresolved(registry);
        if (grew) {
            lastGrowth = now;
        }
        if (left == UNKNOWN) { // cannot tell (tables missing, database down): neither raise nor resolve on a guess
            if (grew) {
                firing.set("dlq", alert(1), out);
            }
        } else if (grew || left > 0) {
            firing.set("dlq", alert(Math.max(left, 1)), out);
        } else if (unresolved != null || !now.isBefore(lastGrowth.plus(GAUGE_LAG))) {
            firing.set("dlq", null, out);
        }
        return out;
    }

    /** The count of unresolved letters, or {@link #UNKNOWN} if {@code unresolved} cannot read it. */
    private long unresolved(MeterRegistry registry) {
        LongSupplier count = unresolved;
        if (count != null) {
            try {
                return count.getAsLong();
            } catch (RuntimeException e) {
                return UNKNOWN;
            }
        }
        long left = 0;
        for (Gauge gauge : registry.find("ballast.outbox.dlq.size").gauges()) {
            left += (long) gauge.value();
        }
        return left;
    }

    private static Alert alert(long count) {
        return Alert.builder(Severity.CRITICAL, "Outbox dead letters: " + count + " unresolved")
                .detail("Events gave up after their attempts or failed their integrity check; with the BLOCK policy"
                        + " their aggregates wait behind them. Replay once the cause is fixed (see the runbook).")
                .fingerprint("outbox-dead-letters")
                .label("module", "outbox")
                .action(AlertAction.operation("Replay dead letters", "outbox.replay-dead-letters", Map.of()))
                .build();
    }
}
