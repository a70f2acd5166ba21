package dev.ballast.outbox;

/**
 * The result of {@link Outbox#append}: the event's id, and whether the request had been appended before (then nothing
 * was written and the id is the first event's).
 */
public record Appended(String eventId, boolean duplicate) {}
