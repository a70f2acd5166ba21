package dev.ballast.alert;

import dev.ballast.core.alert.Alert;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The router's silences, in memory (a restart forgets them: put lasting ones in configuration). Thread-safe: callers
 * add and expire from any thread while the router's dispatcher reads.
 */
public final class Silences {

    /** Longest silence accepted. */
    public static final Duration MAX_DURATION = Duration.ofDays(7);

    private final ConcurrentMap<String, Silence> byId = new ConcurrentHashMap<>();
    private final Clock clock;

    Silences(Clock clock) {
        this.clock = clock;
    }

    /**
     * Mutes alerts matching every entry of {@code matchers} for {@code duration} (1 s to 7 days).
     *
     * @return the new silence
     */
    public Silence add(Map<String, String> matchers, Duration duration, String createdBy, String comment) {
        if (duration == null || duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("Silence duration must be 1s to 7 days, was " + duration);
        }
        Silence silence = new Silence(
                UUID.randomUUID().toString(), matchers, clock.instant().plus(duration), createdBy, comment);
        byId.put(silence.id(), silence);
        return silence;
    }

    /** Ends a silence now; returns whether it existed. */
    public boolean expire(String id) {
        return byId.remove(id) != null;
    }

    /** The silences still in force, soonest to expire first. */
    public List<Silence> active() {
        Instant now = clock.instant();
        byId.values().removeIf(silence -> !now.isBefore(silence.expiresAt()));
        return byId.values().stream()
                .sorted(Comparator.comparing(Silence::expiresAt))
                .toList();
    }

    /** The silence muting {@code alert} now, if any. */
    public Optional<Silence> muting(Alert alert, Instant now) {
        if (byId.isEmpty()) {
            return Optional.empty();
        }
        for (Silence silence : byId.values()) {
            if (silence.mutes(alert, now)) {
                return Optional.of(silence);
            }
        }
        return Optional.empty();
    }
}
