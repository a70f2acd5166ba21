package dev.ballast.alert.rules;

import dev.ballast.alert.AlertStatus;
import dev.ballast.core.alert.Alert;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Which alerts of a rule are firing, by key; turns "firing now or not" into transitions. Rules-thread confined. */
final class Firing {

    private final Map<String, Alert> byKey = new HashMap<>();

    /** Records that {@code key} fires as {@code alert} (or not, when null); adds the transition, if any, to {@code out}. */
    void set(String key, @Nullable Alert alert, List<Alert> out) {
        Alert previous = byKey.get(key);
        if (alert != null) {
            if (previous == null || previous.severity() != alert.severity()) {
                byKey.put(key, alert);
                out.add(alert);
            }
        } else if (previous != null) {
            byKey.remove(key);
            out.add(AlertStatus.resolved(previous));
        }
    }

    /** Resolves every key not in {@code seen}. */
    void retain(java.util.Set<String> seen, List<Alert> out) {
        for (String key : List.copyOf(byKey.keySet())) {
            if (!seen.contains(key)) {
                set(key, null, out);
            }
        }
    }
}
