package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * WARNING while a cache's Redis L2 breaker is open ({@code ballast.cache.l2.breaker.state} = 2, tag {@code cache}) at
 * two evaluations in a row, resolved when it closes; with a button that closes it once Redis is back. Fingerprint
 * {@code ballast-cache-l2|<cache>}, the one the cache module's own alert uses, so the two make one message. Two in a
 * row, as the cache's own alert waits for its first probe: a breaker open for a moment (a cold JVM's first burst on a
 * healthy Redis) that one evaluation happened to see raised a WARNING and its resolution (found by a black-box check).
 */
public final class CacheBreakerRule implements Rule {

    private final Firing firing = new Firing();
    /** The caches whose breaker was open at the last evaluation. Rules-thread confined. */
    private final Set<String> openBefore = new HashSet<>();

    @Override
    public String name() {
        return "cache-redis-breaker";
    }

    @Override
    public List<Alert> evaluate(MeterRegistry registry, Instant now) {
        List<Alert> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Gauge gauge : registry.find("ballast.cache.l2.breaker.state").gauges()) {
            String cache = gauge.getId().getTag("cache");
            if (cache == null) {
                continue;
            }
            seen.add(cache);
            boolean open = gauge.value() >= 2;
            firing.set(cache, open && openBefore.contains(cache) ? alert(cache) : null, out);
            if (open) {
                openBefore.add(cache);
            } else {
                openBefore.remove(cache);
            }
        }
        openBefore.retainAll(seen);
        firing.retain(seen, out);
        return out;
    }

    private static Alert alert(String cache) {
        return Alert.builder(Severity.WARNING, "Cache '" + cache + "': Redis L2 unavailable")
                .detail("The Redis breaker is open: callers are served from L1 and the loader, which now takes the"
                        + " load Redis took.")
                .fingerprint("ballast-cache-l2|" + cache)
                .label("module", "cache")
                .label("cache", cache)
                .action(AlertAction.operation(
                        "Close the breaker", "cache.breaker", Map.of("cache", cache, "state", "closed")))
                .build();
    }
}
