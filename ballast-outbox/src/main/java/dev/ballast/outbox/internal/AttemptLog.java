package dev.ballast.outbox.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;

/** The failed attempts of an event as a JSON array, newest last, at most {@value #MAX_ENTRIES} kept. */
final class AttemptLog {

    static final int MAX_ENTRIES = 10;
    private static final int MAX_MESSAGE = 300;
    private static final TypeReference<List<Map<String, Object>>> ENTRIES = new TypeReference<>() {};

    private AttemptLog() {}

    static String append(@Nullable String log, int attempt, Instant at, Throwable error) {
        List<Map<String, Object>> entries =
                log == null || log.isBlank() ? new ArrayList<>() : new ArrayList<>(Json.MAPPER.readValue(log, ENTRIES));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("attempt", attempt);
        entry.put("at", at.toString());
        entry.put("error", describe(error));
        entries.add(entry);
        while (entries.size() > MAX_ENTRIES) {
            entries.remove(0);
        }
        return Json.MAPPER.writeValueAsString(entries);
    }

    /** The attempt number of the newest entry, or 0 for an empty log. */
    static int lastAttempt(@Nullable String log) {
        if (log == null || log.isBlank()) {
            return 0;
        }
        List<Map<String, Object>> entries = Json.MAPPER.readValue(log, ENTRIES);
        return entries.isEmpty() || !(entries.getLast().get("attempt") instanceof Number attempt)
                ? 0
                : attempt.intValue();
    }

    static String describe(Throwable error) {
        String message = error.getMessage() == null ? "" : error.getMessage();
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "...";
        }
        return error.getClass().getName() + (message.isEmpty() ? "" : ": " + message);
    }
}
