package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * WARNING when locks lose their leases ({@code ballast.lock.lease.lost} grows, tag {@code backend}), resolved after
 * {@code quiet} without another loss; with a button that switches the resilient lock strategy to its fallback.
 */
public final class LockLeaseLostRule implements Rule {

    private final Duration quiet;
    private final Map<String, Double> last = new HashMap<>();
    private final Map<String, Instant> lastLoss = new HashMap<>();
    private final Firing firing = new Firing();

    public LockLeaseLostRule(Duration quiet) {
        this.quiet = quiet;
    }

    @Override
    public String name() {
        return "lock-lease-lost";
    }

    @Override
    public List<Alert> evaluate(MeterRegistry registry, Instant now) {
        List<Alert> out = new ArrayList<>();
        for (Counter counter : registry.find("ballast.lock.lease.lost").counters()) {
            String backend = String.valueOf(counter.getId().getTag("backend"));
            double count = counter.count();
            Double before = last.put(backend, count);
            if (count > (before == null ? 0 : before)) {
                long lost = Math.round(count - (before == null ? 0 : before));
                lastLoss.put(backend, now);
                firing.set(backend, null, new ArrayList<>()); // a new loss is a new message, not a repeat
                firing.set(backend, alert(backend, lost), out);
            } else if (lastLoss.containsKey(backend)
                    && !now.isBefore(lastLoss.get(backend).plus(quiet))) {
                lastLoss.remove(backend);
                firing.set(backend, null, out);
            }
        }
        return out;
    }

    private static Alert alert(String backend, long lost) {
        return Alert.builder(Severity.WARNING, "Lock leases lost on " + backend)
                .detail(lost + " lease(s) lost while held: a holder paused, or could not reach the " + backend
                        + " lock backend, for longer than its lease; writes not fenced by the token may have"
                        + " overlapped.")
                .fingerprint("lock-lease-lost|" + backend)
                .label("module", "lock")
                .label("backend", backend)
                .action(AlertAction.operation("Switch locks to the database", "lock.mode", Map.of("mode", "FALLBACK")))
                .build();
    }
}
