package dev.ballast.alert;

import java.time.Duration;
import java.util.Objects;

/**
 * What one delivery attempt of a {@link Channel} came to. Immutable.
 *
 * @param outcome delivered, worth retrying, or refused for good
 * @param pause how long the channel asks us to wait before the next request ({@code Retry-After}, Discord's {@code
 *     X-RateLimit-Reset-After} when no requests remain); zero for none
 * @param status the HTTP status, or 0 when there was none (timeout, connection refused, a file)
 * @param detail what happened, safe to log: never a webhook address or a secret
 */
public record DeliveryResult(Outcome outcome, Duration pause, int status, String detail) {

    /** The kinds of outcome. */
    public enum Outcome {
        /** Accepted by the receiver. */
        DELIVERED,
        /** Failed in a way a later attempt may not (5xx, 429, timeout, connection refused). */
        RETRY,
        /** Refused in a way retrying cannot fix (a 4xx other than 429): the configuration is wrong. */
        REJECTED
    }

    /** Validates. */
    public DeliveryResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(pause, "pause");
        Objects.requireNonNull(detail, "detail");
    }

    /** Delivered, no pause asked for. */
    public static DeliveryResult delivered() {
        return new DeliveryResult(Outcome.DELIVERED, Duration.ZERO, 0, "delivered");
    }

    /** A failure worth retrying. */
    public static DeliveryResult retry(int status, Duration pause, String detail) {
        return new DeliveryResult(Outcome.RETRY, pause, status, detail);
    }
}
