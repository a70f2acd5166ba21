package dev.ballast.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the outbox tables for operators (health checks, the actuator endpoint), read in one short query each:
 * every query reads through an index the rows of the backlog (pending events, aggregates with pending events, dead
 * letters), not the published history the tables keep, so a health read costs the same with a week of retained events
 * as with none (with a large backlog, PostgreSQL may still scan the table for the oldest pending age).
 *
 * @param eventsByStatus events in the outbox table that are {@code PENDING} and {@code DEAD} (0 when none). Published
 *     rows are not counted: retention keeps days of them, and a count reads every one; the rate of publishing is the
 *     {@code ballast.outbox.published} counter, the rows deleted by retention {@code ballast.outbox.purged}
 * @param oldestPendingAge age of the oldest pending event, or null when nothing is pending
 * @param deadLetters unresolved dead letters ({@code DEAD} in the dead-letter table)
 * @param leases relays holding claims on aggregates with pending events now, by owner: what every instance's relay is
 *     doing
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
