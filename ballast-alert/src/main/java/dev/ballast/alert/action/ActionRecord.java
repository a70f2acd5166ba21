package dev.ballast.alert.action;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One use of an action link: who, when, what, and the result. Immutable.
 *
 * @param nonce the link's nonce (unique)
 * @param operation what was done
 * @param arguments with what
 * @param fingerprint the alert the link came with
 * @param actor who (the authenticated user, or the client address without Spring Security)
 * @param requestedAt when it was asked for
 * @param finishedAt when it ended; null while running
 * @param outcome RUNNING, DONE or FAILED
 * @param result what the operation said it did, or why it failed
 */
public record ActionRecord(
        String nonce,
        String operation,
        Map<String, String> arguments,
        String fingerprint,
        String actor,
        Instant requestedAt,
        @Nullable Instant finishedAt,
        Outcome outcome,
        String result) {

    /** How a use ended. */
    public enum Outcome {
        RUNNING,
        DONE,
        FAILED
    }

    public ActionRecord {
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(result, "result");
        arguments = Map.copyOf(arguments);
    }

    ActionRecord finished(Instant at, Outcome how, String text) {
        return new ActionRecord(nonce, operation, arguments, fingerprint, actor, requestedAt, at, how, text);
    }
}
