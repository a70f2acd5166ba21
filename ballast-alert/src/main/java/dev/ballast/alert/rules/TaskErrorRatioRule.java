package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * WARNING when more than {@code ratio} of a task's calls since the previous evaluation failed (the {@code ballast.task}
 * timer: every {@code outcome} but {@code success}, except failures of {@code category} {@code business}: validation,
 * not found, a busy lock are answers a client can cause at will, not incidents), over at least {@code minCalls} calls;
 * resolved when an interval with enough calls is under the ratio again. Fingerprint {@code
 * task-error-ratio|<domain>|<task>}.
 */
public final class TaskErrorRatioRule implements Rule {

    private final double ratio;
    private final int minCalls;
    private final Map<String, long[]> last = new HashMap<>();
    private final Firing firing = new Firing();

    public TaskErrorRatioRule(double ratio, int minCalls) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("Task error ratio must be between 0 and 1, was " + ratio);
        }
        if (minCalls < 1) {
            throw new IllegalArgumentException("Task error minCalls must be at least 1, was " + minCalls);
        }
        this.ratio = ratio;
        this.minCalls = minCalls;
    }

    @Override
    public String name() {
        return "task-error-ratio";
    }

    @Override
    public List<Alert> evaluate(MeterRegistry registry, Instant now) {
        Map<String, long[]> totals = new HashMap<>();
        for (Timer timer : registry.find("ballast.task").timers()) {
            String key = timer.getId().getTag("domain") + "|" + timer.getId().getTag("task");
            long[] counts = totals.computeIfAbsent(key, k -> new long[2]);
            counts[0] += timer.count();
            if (!"success".equals(timer.getId().getTag("outcome"))
                    && !"business".equals(timer.getId().getTag("category"))) {
                counts[1] += timer.count();
            }
        }
        List<Alert> out = new ArrayList<>();
        totals.forEach((key, counts) -> {
            long[] before = last.put(key, counts);
            long calls = counts[0] - (before == null ? 0 : before[0]);
            long errors = counts[1] - (before == null ? 0 : before[1]);
            if (calls < minCalls) {
                return; // too few calls to judge either way
            }
            double share = (double) errors / calls;
            firing.set(key, share > ratio ? alert(key, errors, calls, share) : null, out);
        });
        return out;
    }

    private Alert alert(String key, long errors, long calls, double share) {
        String[] parts = key.split("\\|", 2);
        return Alert.builder(
                        Severity.WARNING,
                        "Task " + parts[0] + "." + parts[1] + " fails " + Math.round(share * 100) + " % of calls")
                .detail(errors + " of " + calls + " calls failed since the last check (threshold "
                        + Math.round(ratio * 100) + " %).")
                .fingerprint("task-error-ratio|" + key)
                .label("module", "executor")
                .label("domain", parts[0])
                .label("task", parts[1])
                .build();
    }
}
