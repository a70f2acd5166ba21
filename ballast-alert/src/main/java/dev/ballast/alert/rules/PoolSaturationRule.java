package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * WARNING when an executor's active threads ({@code executor.active}) stay at or above {@code threshold} of its
 * maximum pool size ({@code executor.pool.max}, Micrometer's executor metrics, tag {@code name}) for {@code sustain};
 * with a button that raises the pool ({@code executor.resize}). A pool's saturation is one instance's: given this
 * instance's name, the alert carries it (label {@code instance_name}) and its fingerprint is {@code
 * executor-pool|<pool>|<instance>}, as the shipped Prometheus rule's for that instance, so two saturated instances are
 * two messages, each with its own button, and an instance seen by both this rule and Prometheus is one.
 */
public final class PoolSaturationRule implements Rule {

    private final double threshold;
    private final Duration sustain;
    private final Map<String, Instant> saturatedSince = new HashMap<>();
    private final Firing firing = new Firing();
    private final @Nullable String instance;

    /** A rule that names no instance (fingerprint {@code executor-pool|<pool>}). */
    public PoolSaturationRule(double threshold, Duration sustain) {
        this(threshold, sustain, null);
    }

    /**
     * A rule for the instance named {@code instance} ({@code ballast.instance-name}); null for none.
     */
    public PoolSaturationRule(double threshold, Duration sustain, @Nullable String instance) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException(
                    "Pool saturation threshold must be above 0 and at most 1, was " + threshold);
        }
        this.threshold = threshold;
        this.sustain = sustain;
        this.instance = instance;
    }

    @Override
    public String name() {
        return "executor-pool-saturation";
    }

    @Override
    public List<Alert> evaluate(MeterRegistry registry, Instant now) {
        List<Alert> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Gauge active : registry.find("executor.active").gauges()) {
            String pool = active.getId().getTag("name");
            if (pool == null) {
                continue;
            }
            Gauge max = registry.find("executor.pool.max").tag("name", pool).gauge();
            if (max == null || !(max.value() > 0)) {
                continue;
            }
            seen.add(pool);
            double ratio = active.value() / max.value();
            if (ratio < threshold) {
                saturatedSince.remove(pool);
                firing.set(pool, null, out);
                continue;
            }
            Instant since = saturatedSince.computeIfAbsent(pool, k -> now);
            if (!now.isBefore(since.plus(sustain))) {
                firing.set(pool, alert(pool, active.value(), max.value(), ratio), out);
            }
        }
        firing.retain(seen, out);
        return out;
    }

    private Alert alert(String pool, double active, double max, double ratio) {
        Alert.Builder alert = Alert.builder(
                        Severity.WARNING,
                        "Executor pool '" + pool + "' at " + Math.round(ratio * 100) + " % of its maximum")
                .detail(Math.round(active) + " of " + Math.round(max) + " threads busy for at least " + sustain
                        + "; tasks queue behind them.")
                .fingerprint("executor-pool|" + pool + (instance == null ? "" : "|" + instance))
                .label("module", "executor")
                .label("pool", pool)
                .action(AlertAction.operation("Raise the pool", "executor.resize", Map.of("pool", pool)));
        if (instance != null) {
            alert.label("instance_name", instance);
        }
        return alert.build();
    }
}
