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

/**
 * WARNING when an executor's active threads ({@code executor.active}) stay at or above {@code threshold} of its
 * maximum pool size ({@code executor.pool.max}, Micrometer's executor metrics, tag {@code name}) for {@code sustain};
 * with a button that raises the pool ({@code executor.resize}).
 */
public final class PoolSaturationRule implements Rule {

    private final double threshold;
    private final Duration sustain;
    private final Map<String, Instant> saturatedSince = new HashMap<>();
    private final Firing firing = new Firing();

    public PoolSaturationRule(double threshold, Duration sustain) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException(
                    "Pool saturation threshold must be above 0 and at most 1, was " + threshold);
        }
        this.threshold = threshold;
        this.sustain = sustain;
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
        return Alert.builder(
                        Severity.WARNING,
                        "Executor pool '" + pool + "' at " + Math.round(ratio * 100) + " % of its maximum")
                .detail(Math.round(active) + " of " + Math.round(max) + " threads busy for at least " + sustain
                        + "; tasks queue behind them.")
                .fingerprint("executor-pool|" + pool)
                .label("module", "executor")
                .label("pool", pool)
                .action(AlertAction.operation("Raise the pool", "executor.resize", Map.of("pool", pool)))
                .build();
    }
}
