package dev.ballast.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the outbox tables for operators (health checks, the actuator endpoint), read in one short query each.
 *
 * @param eventsByStatus events in the outbox table by status ({@code PENDING}, {@code PUBLISHED}, {@code DEAD}); a
 *     status without events is 0
 * @param oldestPendingAge age of the oldest pending event, or null when nothing is pending
 * @param deadLetters unresolved dead letters ({@code DEAD} in the dead-letter table)
 * @param leases relays holding claims now, by owner: what every instance's relay is doing
 */
public record OutboxStatus(
        Map<String, Long> eventsByStatus, @Nullable Duration oldestPendingAge, long deadLetters, List<Lease> leases) {

    public OutboxStatus {
        eventsByStatus = Map.copyOf(eventsByStatus);
        leases = List.copyOf(leases);
    }

    /** Pending events. */
    public long pending() {
        return eventsByStatus.getOrDefault("PENDING", 0L);
    }

    /**
     * Claims held by one relay.
     *
     * @param owner the relay's owner name
     * @param aggregates aggregates it holds leases on
     * @param until the latest of its leases' ends (database clock)
     */
    public record Lease(String owner, long aggregates, Instant until) {}
}
