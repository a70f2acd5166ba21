package dev.ballast.alert;

import java.time.Duration;
import java.util.Objects;

/**
 * How the router drives one channel: its queue, its request rate, retries and breaker. Immutable and thread-safe.
 *
 * @param queueCapacity messages waiting for the channel (1 to 1,000,000); when full, INFO goes first and CRITICAL is
 *     never dropped (it is written to the file channel instead)
 * @param ratePerSecond requests per second the channel is sent at most (above 0)
 * @param burst requests that may go at once after a quiet spell (at least 1)
 * @param maxAttempts attempts per message for 5xx, 429 and timeouts (1 to 20); after the last one the message goes to
 *     the file channel
 * @param backoffBase delay before the second attempt, doubling each time (with jitter), at most {@code backoffCap}
 * @param backoffCap see {@code backoffBase}
 * @param breakerThreshold messages in a row that failed all attempts before the breaker opens (at least 1)
 * @param breakerOpenFor how long an open breaker sends everything straight to the file channel before one probe
 */
public record ChannelSettings(
        int queueCapacity,
        double ratePerSecond,
        int burst,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffCap,
        int breakerThreshold,
        Duration breakerOpenFor) {

    /** 1,000 queued, 1 request/s with bursts of 5, 4 attempts from 500 ms to 30 s, breaker after 3 for 1 min. */
    public static final ChannelSettings DEFAULTS = new ChannelSettings(
            1_000, 1.0, 5, 4, Duration.ofMillis(500), Duration.ofSeconds(30), 3, Duration.ofMinutes(1));

    /**
     * The settings of the file and log channels when none are given: no rate limit worth the name (10,000 a second,
     * bursts of 10,000), since they are the fallback of last resort and a storm must reach them in seconds, not at a
     * chat webhook's pace; the rest as {@link #DEFAULTS}.
     */
    public static final ChannelSettings LOCAL = DEFAULTS.withRate(10_000, 10_000);

    /** {@link #LOCAL} for the file and log channels, {@link #DEFAULTS} for the others. */
    public static ChannelSettings defaultsFor(Channel channel) {
        return channel.kind() == Channel.Kind.CHAT ? DEFAULTS : LOCAL;
    }

    /** Validates each value and names the bad one. */
    public ChannelSettings {
        range("queueCapacity", queueCapacity, 1, 1_000_000);
        range("burst", burst, 1, 10_000);
        range("maxAttempts", maxAttempts, 1, 20);
        range("breakerThreshold", breakerThreshold, 1, 1_000);
        if (!(ratePerSecond > 0) || ratePerSecond > 10_000) {
            throw new IllegalArgumentException(
                    "Channel ratePerSecond must be above 0 and at most 10000, was " + ratePerSecond);
        }
        positive("backoffBase", backoffBase);
        positive("backoffCap", backoffCap);
        positive("breakerOpenFor", breakerOpenFor);
        if (backoffCap.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException(
                    "Channel backoffCap " + backoffCap + " is below backoffBase " + backoffBase);
        }
    }

    /** A copy with another request rate and burst. */
    public ChannelSettings withRate(double perSecond, int burstSize) {
        return new ChannelSettings(
                queueCapacity,
                perSecond,
                burstSize,
                maxAttempts,
                backoffBase,
                backoffCap,
                breakerThreshold,
                breakerOpenFor);
    }

    private static void range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("Channel " + name + " must be " + min + " to " + max + ", was " + value);
        }
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("Channel " + name + " must be positive, was " + value);
        }
    }
}
