package dev.ballast.chaos;

import java.time.Duration;

/**
 * One client operation as the history records it: invoked at {@code invokedNanos}, completed at {@code completedNanos}
 * (both {@link System#nanoTime()}), what it learned, and the value it wrote or read. Immutable.
 *
 * @param client the client that ran it
 * @param kind what it was, e.g. {@code order}, {@code deposit}, {@code quote}
 * @param key what it was about: an order's idempotency key, an account, a symbol
 * @param value the value written or read (an amount, a price), empty if none
 * @param outcome ok, fail or unknown
 * @param status the HTTP status, 0 if there was no answer
 * @param invokedNanos when it was sent
 * @param completedNanos when the answer (or the failure) came
 * @param detail the answer's body or the transport error, shortened
 */
public record Operation(
        int client,
        String kind,
        String key,
        String value,
        Outcome outcome,
        int status,
        long invokedNanos,
        long completedNanos,
        String detail) {

    /** How long the client waited. */
    public Duration latency() {
        return Duration.ofNanos(completedNanos - invokedNanos);
    }

    /** A 5xx answer or no answer at all. */
    public boolean serverError() {
        return status >= 500 || status == 0;
    }

    @Override
    public String toString() {
        return kind + " " + key + (value.isEmpty() ? "" : "=" + value) + " -> " + outcome + " " + status + " in "
                + latency().toMillis() + " ms" + (detail.isEmpty() ? "" : ": " + detail);
    }
}
