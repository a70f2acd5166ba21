package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/locks}: the lock backend, for the resilient chain its mode and breaker (and {@code authority:
 * unreachable} with the error while the lock mode authority has not been read for longer than twice the refresh
 * interval: no lock is granted then), and the locks this instance holds now (key, backend, fencing token, since when).
 * Read-only.
 */
@Endpoint(id = "locks")
final class LocksEndpoint {

    private final LockStrategy locks;
    private final HeldLocks held;

    LocksEndpoint(LockStrategy locks, HeldLocks held) {
        this.locks = locks;
        this.held = held;
    }

    @ReadOperation
    Map<String, Object> locks() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("backend", locks.backend());
        if (locks instanceof ResilientLockStrategy resilient) {
            String active = resilient.activeBackend();
            body.put("mode", active.equals("jdbc") ? "fallback" : "primary");
            body.put("activeBackend", active);
            body.put("breaker", resilient.breakerState().name().toLowerCase(Locale.ROOT));
            resilient.modeChangedBy().ifPresent(by -> body.put("modeChangedBy", by));
            long pending = resilient.untilModeEffective().toMillis();
            if (pending > 0) {
                body.put("modeEffectiveInMs", pending);
            }
            resilient.modeUnconfirmed().ifPresent(why -> {
                body.put("authority", "unreachable"); // no lock is granted in either mode until it answers
                body.put("authorityError", BallastHealth.withoutCredentials(why));
            });
        }
        body.put(
                "held",
                held.now().stream()
                        .map(lock -> Map.of(
                                "key", lock.key(),
                                "backend", lock.backend(),
                                "fencingToken", lock.fencingToken(),
                                "since", lock.since().toString()))
                        .toList());
        return body;
    }
}
