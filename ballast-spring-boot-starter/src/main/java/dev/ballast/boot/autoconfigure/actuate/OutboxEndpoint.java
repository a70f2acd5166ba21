package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.OutboxStatus;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

/**
 * {@code /actuator/outbox}: the backlog by status, the oldest pending event's age, this instance's relay with its
 * heartbeat and every relay's leases (GET); unresolved dead letters, paged (GET {@code /dead-letters?offset=&limit=});
 * replay or discard one (POST {@code /dead-letters/{eventId}/replay} or {@code /discard} with {@code actor} and
 * {@code reason}), audited in the dead-letter row and the {@code ballast.outbox.audit} log. The write operations are
 * off ({@code management.endpoint.outbox.access=read-only}) unless the application sets the access to
 * {@code unrestricted}; expose them only behind Spring Security.
 */
@WebEndpoint(id = "outbox")
final class OutboxEndpoint {

    /** What the dead-letter table's audit columns hold. */
    private static final int MAX_ACTOR = 100;

    private static final int MAX_REASON = 1000;

    static final String DEAD_LETTERS = "dead-letters";
    private static final Logger audit = LoggerFactory.getLogger("ballast.outbox.audit");
    private static final int DEFAULT_LIMIT = 50;

    private final Outbox outbox;
    private final @Nullable OutboxRelay relay;

    OutboxEndpoint(Outbox outbox, @Nullable OutboxRelay relay) {
        this.outbox = outbox;
        this.relay = relay;
    }

    @ReadOperation
    WebEndpointResponse<Map<String, Object>> status() {
        OutboxStatus status;
        try {
            status = outbox.status();
        } catch (SQLException e) {
            return Problems.of(503, "OUTBOX_UNAVAILABLE", "The outbox tables cannot be read: " + e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("eventsByStatus", status.eventsByStatus());
        Duration oldest = status.oldestPendingAge();
        body.put("oldestPendingAge", oldest == null ? null : oldest.toString());
        body.put("deadLetters", status.deadLetters());
        Map<String, Object> relays = new LinkedHashMap<>();
        relays.put("thisInstance", relay == null ? null : thisRelay(relay));
        relays.put(
                "leases",
                status.leases().stream()
                        .map(lease -> Map.of(
                                "owner", lease.owner(),
                                "aggregates", lease.aggregates(),
                                "until", lease.until().toString()))
                        .toList());
        body.put("relays", relays);
        return new WebEndpointResponse<>(body, 200);
    }

    @ReadOperation
    WebEndpointResponse<Map<String, Object>> deadLetters(
            @Selector String part, @Nullable Integer offset, @Nullable Integer limit) {
        if (!DEAD_LETTERS.equals(part)) {
            return Problems.of(404, "UNKNOWN_PART", "Unknown part '" + part + "'; try /actuator/outbox/dead-letters");
        }
        int from = offset == null ? 0 : offset;
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (from < 0 || size < 1 || size > 1000) {
            return Problems.of(
                    400, "INVALID_PAGE", "offset must be 0 or more and limit 1 to 1000, were " + from + " and " + size);
        }
        try {
            List<Map<String, Object>> items = outbox.deadLetters().list(from, size).stream()
                    .map(this::describe)
                    .toList();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("offset", from);
            body.put("limit", size);
            body.put("total", outbox.deadLetters().count());
            body.put("items", items);
            return new WebEndpointResponse<>(body, 200);
        } catch (SQLException e) {
            return Problems.of(503, "OUTBOX_UNAVAILABLE", "The dead-letter table cannot be read: " + e.getMessage());
        }
    }

    @WriteOperation
    WebEndpointResponse<Map<String, Object>> resolve(
            @Selector String part, @Selector String eventId, @Selector String action, String actor, String reason) {
        if (!DEAD_LETTERS.equals(part)) {
            return Problems.of(404, "UNKNOWN_PART", "Unknown part '" + part + "'; try /actuator/outbox/dead-letters");
        }
        if (!action.equals("replay") && !action.equals("discard")) {
            return Problems.of(404, "UNKNOWN_ACTION", "Unknown action '" + action + "'; use replay or discard");
        }
        if (actor.isBlank() || reason.isBlank()) {
            return Problems.of(400, "ACTOR_AND_REASON_REQUIRED", "Both actor and reason must be given (not blank)");
        }
        if (actor.length() > MAX_ACTOR || reason.length() > MAX_REASON) {
            // checked here, not left to the store, whose refusal would read as an unknown event (404)
            return Problems.of(
                    400,
                    "ACTOR_OR_REASON_TOO_LONG",
                    "actor may have at most " + MAX_ACTOR + " characters (had " + actor.length() + "), reason at most "
                            + MAX_REASON + " (had " + reason.length() + ")");
        }
        try {
            if (action.equals("replay")) {
                outbox.deadLetters().replay(eventId, actor, reason);
            } else {
                outbox.deadLetters().discard(eventId, actor, reason);
            }
        } catch (IllegalArgumentException e) {
            return Problems.of(404, "DEAD_LETTER_NOT_FOUND", e.getMessage());
        } catch (IllegalStateException e) {
            return Problems.of(409, "DEAD_LETTER_NOT_DEAD", e.getMessage());
        } catch (SQLException e) {
            return Problems.of(503, "OUTBOX_UNAVAILABLE", "The dead letter could not be changed: " + e.getMessage());
        }
        audit.info(
                "Dead letter {} {}ed by {}: {}",
                eventId,
                action.equals("replay") ? "replay" : "discard",
                actor,
                reason);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("eventId", eventId);
        body.put("action", action);
        body.put("actor", actor);
        body.put("reason", reason);
        return new WebEndpointResponse<>(body, 200);
    }

    private static Map<String, Object> thisRelay(OutboxRelay relay) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("owner", relay.owner());
        described.put("leaseOwner", relay.leaseOwner()); // what "leases" lists for this relay
        described.put("running", relay.isRunning());
        described.put("paused", relay.isPaused()); // every relay on these tables: an operator's pause is shared
        relay.lastPauseChange().ifPresent(change -> {
            described.put("pauseChangedBy", change.by());
            described.put("pauseChangedAt", change.at().toString());
        });
        // the relay's own pause while every publish fails with an infrastructure error (broker down): not an operator's
        described.put(
                "outagePausedUntil",
                relay.outagePauseEnd().map(Object::toString).orElse(null));
        described.put(
                "lastHeartbeat", relay.lastHeartbeat().map(Object::toString).orElse(null));
        return described;
    }

    /** A dead letter without its payload or headers (they may hold personal data). */
    private Map<String, Object> describe(DeadLetter letter) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("eventId", letter.eventId());
        described.put("requestId", letter.requestId());
        described.put("aggregateType", letter.aggregateType());
        described.put("aggregateId", letter.aggregateId());
        described.put("eventType", letter.eventType());
        described.put("reason", letter.reason().name());
        described.put("attempts", letter.attempts());
        // false: the bytes no longer match the hash they died with (an integrity violation, or changed in the table)
        described.put("unchanged", outbox.deadLetters().unchanged(letter));
        described.put("errorClass", letter.errorClass());
        described.put("errorMessage", letter.errorMessage());
        described.put("createdAt", letter.createdAt().toString());
        described.put("deadAt", letter.deadAt().toString());
        return described;
    }
}
